package gozero

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// Environment variables that configure how the driver's resolvers reach etcd in a
// process that does not register dtm (an app using the dtm SDK). See [ConfigFromEnv].
const (
	EnvUser               = "DTM_GOZERO_ETCD_USER"
	EnvPassword           = "DTM_GOZERO_ETCD_PASSWORD"
	EnvCertFile           = "DTM_GOZERO_ETCD_CERT"
	EnvCertKeyFile        = "DTM_GOZERO_ETCD_KEY"
	EnvCACertFile         = "DTM_GOZERO_ETCD_CA"
	EnvInsecureSkipVerify = "DTM_GOZERO_ETCD_INSECURE_SKIP_VERIFY"
)

// Config is how the driver reaches etcd: an account and TLS files, with the same
// meaning as the fields of go-zero's discov.EtcdConf. The zero Config means no
// authentication and plain TCP.
type Config struct {
	User     string
	Password string

	// CertFile, CertKeyFile and CACertFile are PEM files: the client certificate,
	// its key, and the CA that signs etcd's certificate. All three or none.
	CertFile    string
	CertKeyFile string
	CACertFile  string

	// InsecureSkipVerify skips the check of etcd's certificate. Tests only.
	InsecureSkipVerify bool
}

// String describes c without its password.
func (c Config) String() string {
	var parts []string
	if c.User != "" {
		parts = append(parts, "user="+c.User, "password="+mask(c.Password))
	}
	if c.hasTLS() {
		parts = append(parts, "certFile="+c.CertFile, "certKeyFile="+c.CertKeyFile, "caCertFile="+c.CACertFile)
		if c.InsecureSkipVerify {
			parts = append(parts, "insecureSkipVerify=true")
		}
	}
	if len(parts) == 0 {
		return "{no account, no TLS}"
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "xxxxx"
}

func (c Config) hasAccount() bool { return c.User != "" }
func (c Config) hasTLS() bool     { return c.CertFile != "" }
func (c Config) isZero() bool     { return c == Config{} }

// validate checks c and loads its TLS files once, so that a wrong path fails here
// and not inside go-zero (whose TLS option exits the process on an error).
func (c Config) validate() error {
	if err := c.validateForm(); err != nil {
		return err
	}
	if c.CertFile == "" {
		return nil
	}
	if _, err := tls.LoadX509KeyPair(c.CertFile, c.CertKeyFile); err != nil {
		return fmt.Errorf("gozero: etcd client certificate: %w", err)
	}
	if _, err := os.ReadFile(c.CACertFile); err != nil {
		return fmt.Errorf("gozero: etcd CA certificate: %w", err)
	}
	return nil
}

// validateForm checks the combination of c's settings, reading no file.
func (c Config) validateForm() error {
	switch {
	case c.User == "" && c.Password != "":
		return errors.New("gozero: etcd password without a user")
	case c.User != "" && c.Password == "":
		return fmt.Errorf("gozero: etcd user %s without a password", dtmdriver.Quote(c.User))
	}
	n := 0
	for _, f := range []string{c.CertFile, c.CertKeyFile, c.CACertFile} {
		if f != "" {
			n++
		}
	}
	switch {
	case n == 0:
		if c.InsecureSkipVerify {
			return errors.New("gozero: insecureSkipVerify without TLS files")
		}
		return nil
	case n != 3:
		return errors.New("gozero: etcd TLS needs all of the client certificate, its key and the CA certificate")
	}
	return nil
}

// ConfigFromEnv reads a Config from the environment: DTM_GOZERO_ETCD_USER,
// DTM_GOZERO_ETCD_PASSWORD, DTM_GOZERO_ETCD_CERT, DTM_GOZERO_ETCD_KEY,
// DTM_GOZERO_ETCD_CA and DTM_GOZERO_ETCD_INSECURE_SKIP_VERIFY (a boolean as
// strconv.ParseBool reads it). Unset variables leave their fields empty. It returns
// an error for an invalid combination or a TLS file that does not load.
func ConfigFromEnv() (Config, error) {
	c := Config{
		User:        os.Getenv(EnvUser),
		Password:    os.Getenv(EnvPassword),
		CertFile:    os.Getenv(EnvCertFile),
		CertKeyFile: os.Getenv(EnvCertKeyFile),
		CACertFile:  os.Getenv(EnvCACertFile),
	}
	if v := os.Getenv(EnvInsecureSkipVerify); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("gozero: %s=%s is not a boolean", EnvInsecureSkipVerify, dtmdriver.Quote(v))
		}
		c.InsecureSkipVerify = b
	}
	if err := c.validate(); err != nil {
		return Config{}, fmt.Errorf("%w (from the %s* environment variables)", err, "DTM_GOZERO_ETCD_")
	}
	return c, nil
}

// Configure sets how the driver's resolvers reach etcd, in place of the
// environment and of the registration target: the explicit option for an app that
// uses the dtm SDK. Call it before the first call that resolves through etcd:
// go-zero keeps one etcd client per set of hosts for the life of the process,
// made with the account and TLS in force when it first dials them.
func Configure(c Config) error {
	if err := c.validate(); err != nil {
		return err
	}
	std.mu.Lock()
	defer std.mu.Unlock()
	std.explicit = &c
	return nil
}
