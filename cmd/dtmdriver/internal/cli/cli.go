package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Exit codes of [Run], as the command's help documents them.
const (
	// ExitOK: the command ran and found nothing wrong.
	ExitOK = 0
	// ExitFailure: the command ran and found a failure (a URI a driver refuses,
	// a registry that does not answer, an empty service, a dtm that is not
	// registered or does not answer), or could not run it.
	ExitFailure = 1
	// ExitUsage: the command line is wrong (unknown command or flag, missing
	// argument, bad -o).
	ExitUsage = 2
)

// command is one subcommand of dtmdriver.
type command struct {
	name     string
	args     string // the positional arguments, for the usage line
	summary  string
	details  string // more lines of help, may be empty
	examples []string
	flags    func(fs *flag.FlagSet) // the command's own flags, besides -o
	run      func(ctx context.Context, c *call) int
}

// call is one run of a command: its parsed command line and where it writes.
type call struct {
	cmd    *command
	fs     *flag.FlagSet
	args   []string // positional arguments
	json   bool
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
}

func commands() []*command {
	return []*command{driversCommand(), splitCommand(), resolveCommand(), checkCommand(), versionCommand()}
}

// Run runs the dtmdriver command line args (without the program name), writing
// results to stdout and diagnostics to stderr, and returns the exit code:
// [ExitOK], [ExitFailure] or [ExitUsage]. ctx ends a running -watch; the caller
// cancels it on an interrupt.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	registerAllResolvers()
	if len(args) == 0 {
		writeUsage(stderr)
		return ExitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			if c := lookup(args[1]); c != nil {
				writeCommandUsage(stdout, c, nil)
				return ExitOK
			}
			fmt.Fprintf(stderr, "dtmdriver help: unknown command %q\n", args[1])
			writeUsage(stderr)
			return ExitUsage
		}
		writeUsage(stdout)
		return ExitOK
	case "-v", "-version", "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "dtmdriver: unknown command %q\n", name)
		writeUsage(stderr)
		return ExitUsage
	}
	fs := flag.NewFlagSet("dtmdriver "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	output := fs.String("o", "text", "output format: text or json")
	if c.flags != nil {
		c.flags(fs)
	}
	pos, err := parseInterleaved(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		writeCommandUsage(stdout, c, fs)
		return ExitOK
	}
	if err == nil && *output != "text" && *output != "json" {
		err = fmt.Errorf("-o %q: want text or json", *output)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dtmdriver %s: %v\n", c.name, err)
		writeCommandUsage(stderr, c, fs)
		return ExitUsage
	}
	return c.run(ctx, &call{cmd: c, fs: fs, args: pos, json: *output == "json", stdout: stdout, stderr: stderr, now: time.Now})
}

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// parseInterleaved parses flags wherever they stand among the positional
// arguments ("split URI -o json" as "split -o json URI"), and returns the
// positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// usageError reports a wrong command line from inside a command: [ExitUsage].
func (c *call) usageError(format string, a ...any) int {
	fmt.Fprintf(c.stderr, "dtmdriver %s: %s\n", c.cmd.name, fmt.Sprintf(format, a...))
	writeCommandUsage(c.stderr, c.cmd, c.fs)
	return ExitUsage
}

// emit writes v as indented JSON to stdout (-o json).
func (c *call) emit(v any) {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// emitLine writes v as one line of JSON (-watch's events, JSON Lines).
func (c *call) emitLine(v any) {
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func (c *call) printf(format string, a ...any) { fmt.Fprintf(c.stdout, format, a...) }

const exitCodesHelp = `Exit codes:
  0  ok: nothing wrong found
  1  a failure found (a refused URI, an unreachable registry, an empty
     service, dtm not registered or not answering), or the command failed
  2  usage: unknown command or flag, missing argument`

func writeUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString(`dtmdriver diagnoses dtm's service discovery: which driver takes a branch URI,
what a registry holds for it now, and whether a dtm server is registered and
answers.

Usage:
  dtmdriver <command> [flags] [arguments]

Commands:
`)
	cs := commands()
	width := 0
	for _, c := range cs {
		width = max(width, len(c.name))
	}
	for _, c := range cs {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, c.name, c.summary)
	}
	b.WriteString(`
Every command takes -o json for scripts (stable field names) and -h for its
flags and examples: dtmdriver help <command>.

` + exitCodesHelp + "\n")
	io.WriteString(w, b.String())
}

func writeCommandUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	if fs == nil {
		fs = flag.NewFlagSet("dtmdriver "+c.name, flag.ContinueOnError)
		fs.String("o", "text", "output format: text or json")
		if c.flags != nil {
			c.flags(fs)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: dtmdriver %s [flags] %s\n\n%s\n", c.name, c.args, c.summary)
	if c.details != "" {
		b.WriteString("\n" + c.details + "\n")
	}
	b.WriteString("\nFlags:\n")
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	slices.Sort(names)
	for _, n := range names {
		f := fs.Lookup(n)
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(&b, "  -%s\n        %s%s\n", n, f.Usage, def)
	}
	if len(c.examples) > 0 {
		b.WriteString("\nExamples:\n")
		for _, e := range c.examples {
			b.WriteString("  " + e + "\n")
		}
	}
	b.WriteString("\n" + exitCodesHelp + "\n")
	io.WriteString(w, b.String())
}
