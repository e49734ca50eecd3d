package dtmdriver_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

func TestCheckEndpoint(t *testing.T) {
	for _, tc := range []struct {
		endpoint, host string
		port           int
	}{
		{"127.0.0.1:36790", "127.0.0.1", 36790},
		{"dtm.example:36790", "dtm.example", 36790},
		{"[::1]:36790", "::1", 36790},
		{"localhost:1", "localhost", 1},
	} {
		host, port, err := dtmdriver.CheckEndpoint(tc.endpoint)
		if err != nil || host != tc.host || port != tc.port {
			t.Errorf("CheckEndpoint(%q) = %q, %d, %v; want %q, %d, nil", tc.endpoint, host, port, err, tc.host, tc.port)
		}
	}
	for _, endpoint := range []string{
		"", "36790", ":36790", "0.0.0.0:36790", "[::]:36790", "[0:0::0]:36790",
		"grpc://127.0.0.1:36790", "http://h:1", "h:0", "h:65536", "h:99999", "h:port", "h:1:2",
		"user:pw@h:1", "h:1/x", "[::1:1",
	} {
		_, _, err := dtmdriver.CheckEndpoint(endpoint)
		switch {
		case err == nil:
			t.Errorf("CheckEndpoint(%q) = nil, want an error", endpoint)
		case !errors.Is(err, dtmdriver.ErrBadURI):
			t.Errorf("CheckEndpoint(%q) error %v does not wrap ErrBadURI", endpoint, err)
		case !strings.Contains(err.Error(), "endpoint"):
			t.Errorf("CheckEndpoint(%q) error %v does not say it is dtm's endpoint", endpoint, err)
		}
	}
	_, _, err := dtmdriver.CheckEndpoint("user:S3cr3tX9@h:1")
	if err == nil || strings.Contains(err.Error(), "S3cr3tX9") {
		t.Errorf("CheckEndpoint with userinfo: %v; want an error without the password", err)
	}
}
