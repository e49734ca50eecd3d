package dtmdriver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// TestCredentialsShowNamesOnly: however a Registration is printed, logged
// or marshalled, its credentials appear as the names of the settings.
func TestCredentialsShowNamesOnly(t *testing.T) {
	const secret = "pa/ss w&rd"
	for _, tc := range []struct {
		c     dtmdriver.Credentials
		names []string
		str   string
	}{
		{dtmdriver.Credentials{}, []string{}, "no credentials"},
		{dtmdriver.Credentials{Token: secret}, []string{"token"}, "credentials: token"},
		{dtmdriver.Credentials{User: "root", Password: secret, CertFile: "c", KeyFile: "k", CAFile: "a"},
			[]string{"user", "password", "tls"}, "credentials: user, password, tls"},
		{dtmdriver.Credentials{InsecureSkipVerify: true}, []string{"tls"}, "credentials: tls"},
	} {
		if got := tc.c.Names(); !slices.Equal(got, tc.names) || got == nil {
			t.Errorf("%s: Names() = %#v, want %q", tc.str, got, tc.names)
		}
		if got := tc.c.String(); got != tc.str {
			t.Errorf("String() = %q, want %q", got, tc.str)
		}
		r := dtmdriver.Registration{Driver: "d", Registry: "etcd", Servers: []string{"h:1"}, Credentials: tc.c}
		var log bytes.Buffer
		slog.New(slog.NewJSONHandler(&log, nil)).Info("plan", "registration", r, "credentials", tc.c)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var decoded struct{ Credentials []string }
		if err := json.Unmarshal(b, &decoded); err != nil || !slices.Equal(decoded.Credentials, tc.names) {
			t.Errorf("JSON %s: credentials %q, %v; want %q", b, decoded.Credentials, err, tc.names)
		}
		shown := fmt.Sprintf("%v|%+v|%#v|%s|%q|%x", r, r, r, tc.c, tc.c, tc.c) + string(b) + log.String()
		for _, s := range []string{secret, "pa%2Fss", "ss+w"} {
			if strings.Contains(shown, s) {
				t.Errorf("%q shows the secret (%q)", shown, s)
			}
		}
	}
}

func TestCredentialsSecrets(t *testing.T) {
	c := dtmdriver.Credentials{User: "root", Password: "a b/c", Token: "t&k"}
	want := []string{"a b/c", "a+b%2Fc", "a%20b%2Fc", "t&k", "t%26k", "t&k"}
	if got := c.Secrets(); !slices.Equal(got, want) {
		t.Errorf("Secrets() = %q, want %q", got, want)
	}
	if got := (dtmdriver.Credentials{}).Secrets(); len(got) != 0 {
		t.Errorf("no credentials: Secrets() = %q", got)
	}
}
