package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"gopkg.in/yaml.v3"
)

// dtmConfig is the part of dtm v1.19.0's server configuration that concerns
// service discovery, loaded as dtm loads it (dtmsvr/config.MustLoadConfig):
// defaults, then the environment (MICRO_SERVICE_DRIVER, MICRO_SERVICE_TARGET,
// MICRO_SERVICE_END_POINT, HTTP_PORT, GRPC_PORT), then the YAML file.
type dtmConfig struct {
	HTTPPort     int64 `yaml:"HttpPort"`
	GrpcPort     int64 `yaml:"GrpcPort"`
	MicroService struct {
		Driver   string `yaml:"Driver"`
		Target   string `yaml:"Target"`
		EndPoint string `yaml:"EndPoint"`
	} `yaml:"MicroService"`
}

// Environment variables dtm reads before its configuration file.
var configEnv = []string{"MICRO_SERVICE_DRIVER", "MICRO_SERVICE_TARGET", "MICRO_SERVICE_END_POINT", "HTTP_PORT", "GRPC_PORT"}

// loadConfig loads path (no file when path is empty) as dtm would. Its errors
// are redacted: a YAML error may quote a value.
func loadConfig(path string, getenv func(string) string) (dtmConfig, error) {
	var c dtmConfig
	c.HTTPPort, c.GrpcPort, c.MicroService.Driver = 36789, 36790, dtmdriver.DefaultName
	if v := getenv("MICRO_SERVICE_DRIVER"); v != "" {
		c.MicroService.Driver = v
	}
	c.MicroService.Target = getenv("MICRO_SERVICE_TARGET")
	c.MicroService.EndPoint = getenv("MICRO_SERVICE_END_POINT")
	for _, p := range []struct {
		env string
		to  *int64
	}{{"HTTP_PORT", &c.HTTPPort}, {"GRPC_PORT", &c.GrpcPort}} {
		if v := getenv(p.env); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return c, fmt.Errorf("the environment's %s is not a number (value not shown; dtm would panic)", p.env)
			}
			*p.to = n
		}
	}
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading dtm's configuration: %w", err)
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		// yaml quotes the offending value, which may be a target with a password.
		return c, fmt.Errorf("%s: not dtm's YAML configuration: %s", path, dtmdriver.Redact(strings.ReplaceAll(err.Error(), "\n", " ")))
	}
	return c, nil
}
