// Command consul is a Consul agent built from github.com/hashicorp/consul
// (the last MPL-2.0 release) for the dtmdrivers tests.
//
// It offers only what the tests need: the "agent" command, which runs a
// real Consul agent (use -dev for a single in-memory server), and the
// "version" command. Build it with
//
//	cd tools/consul && go build -o ../../.bin/consul .
//
// The testenv/consultest package finds the binary in .bin and runs it.
package main

import (
	"fmt"
	"io"
	"log"
	"os"

	mcli "github.com/mitchellh/cli"

	agentcmd "github.com/hashicorp/consul/command/agent"
	consulcli "github.com/hashicorp/consul/command/cli"
	versioncmd "github.com/hashicorp/consul/command/version"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	// Libraries inside the agent write to the standard logger; the agent
	// has its own logger for everything worth reading.
	log.SetOutput(io.Discard)

	ui := &consulcli.BasicUI{
		BasicUi: mcli.BasicUi{Writer: os.Stdout, ErrorWriter: os.Stderr},
	}
	commands := map[string]mcli.CommandFactory{
		"agent": func() (mcli.Command, error) {
			c := agentcmd.New(ui)
			if c == nil {
				return nil, fmt.Errorf("agent: bad build date in the consul version package")
			}
			return c, nil
		},
		"version": func() (mcli.Command, error) {
			return versioncmd.New(ui), nil
		},
	}
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}

	c := &mcli.CLI{
		Name:        "consul",
		Args:        args,
		Commands:    commands,
		HelpFunc:    mcli.FilteredHelpFunc(names, mcli.BasicHelpFunc("consul")),
		HelpWriter:  os.Stdout,
		ErrorWriter: os.Stderr,
	}
	if c.IsVersion() {
		return versioncmd.New(ui).Run(nil)
	}
	code, err := c.Run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "consul: %v\n", err)
		return 1
	}
	return code
}
