package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestProtocol1Demo(t *testing.T) {
	var out bytes.Buffer
	if err := protocol1Demo(&out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"TransOut 30 from user 1",
		"TransIn 30 to user 2",
		"resolves to gRPC target protocol1://127.0.0.1:",
		"balances: user 1 = 40, user 2 = 160",
		`bad URI "protocol1://localhost/busi.Busi/TransIn"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
}
