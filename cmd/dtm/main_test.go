package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// The test binary links what the dtm binary links: reaching this test at all
// means no package panicked at start.
func TestEveryDriverLinked(t *testing.T) {
	for _, name := range []string{"dtm-driver-consul", "dtm-driver-gozero", "dtm-driver-polaris", "dtm-driver-protocol1", "dtm-driver-multi"} {
		if !slices.Contains(dtmdriver.Drivers(), name) {
			t.Errorf("driver %q is not registered; registered: %q", name, dtmdriver.Drivers())
		}
	}
}

// etcd's authpb and polaris-go's security API share the file path
// "auth.proto" and nothing else: both files' messages are registered under
// their own names.
func TestConflictPolicySetFirst(t *testing.T) {
	if got := os.Getenv("GOLANG_PROTOBUF_REGISTRATION_CONFLICT"); got != "warn" {
		t.Errorf("conflict policy %q, want warn set by internal/protofiles before etcd and polaris-go initialise", got)
	}
	for _, name := range []protoreflect.FullName{"authpb.User", "authpb.Role", "v1.User", "v1.LoginRequest"} {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if path := d.ParentFile().Path(); path != "auth.proto" {
			t.Errorf("%s is in %q, want auth.proto", name, path)
		}
	}
}

// TestAuthProtoShadowsNoType: with two files named "auth.proto", a lookup
// by that path is ambiguous, so the imports of it in other files' descriptors
// are placeholders (polaris-go's response.proto; etcd's rpc.proto imports
// "etcd/api/authpb/auth.proto", a placeholder with or without polaris-go).
// The fields of those files that hold auth.proto's messages still have the
// real message descriptors: the generated code links them by Go type, not by
// path.
func TestAuthProtoShadowsNoType(t *testing.T) {
	for _, tc := range []struct{ message, field, want protoreflect.FullName }{
		{"v1.Response", "user", "v1.User"},
		{"v1.Response", "userGroup", "v1.UserGroup"},
		{"v1.Response", "loginResponse", "v1.LoginResponse"},
		{"etcdserverpb.AuthRoleGetResponse", "perm", "authpb.Permission"},
	} {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(tc.message)
		if err != nil {
			t.Errorf("%s: %v", tc.message, err)
			continue
		}
		f := d.(protoreflect.MessageDescriptor).Fields().ByName(tc.field.Name())
		if f == nil || f.Message() == nil {
			t.Errorf("%s has no message field %s", tc.message, tc.field)
			continue
		}
		if m := f.Message(); m.FullName() != tc.want || m.IsPlaceholder() || m.ParentFile().Path() != "auth.proto" {
			t.Errorf("%s.%s is %s (placeholder %v, in %q), want %s from auth.proto",
				tc.message, tc.field, m.FullName(), m.IsPlaceholder(), m.ParentFile().Path(), tc.want)
		}
	}
}

func TestVersionNamesDtmAndOurs(t *testing.T) {
	v := Version()
	for _, want := range []string{"v1.19.0", "dtmdrivers cmd/dtm", "driver-gozero"} {
		if !strings.Contains(v, want) {
			t.Errorf("Version() = %q, want it to name %q", v, want)
		}
	}
}

func TestHTTPEndpoint(t *testing.T) {
	tests := []struct {
		grpc    string
		port    int64
		want    string
		wantErr string
	}{
		{"127.0.0.1:36790", 36789, "127.0.0.1:36789", ""},
		{"dtm.internal:36790", 8080, "dtm.internal:8080", ""},
		{"[::1]:36790", 36789, "[::1]:36789", ""},
		{"localhost", 36789, "", "is not host:port"},
		{":36790", 36789, "", "is not host:port"},
		{"127.0.0.1:36790", 0, "", "HttpPort 0 is not a port"},
	}
	for _, tc := range tests {
		got, err := httpEndpoint(tc.grpc, tc.port)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("httpEndpoint(%q, %d) = %q, %v; want an error with %q", tc.grpc, tc.port, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("httpEndpoint(%q, %d) = %q, %v; want %q", tc.grpc, tc.port, got, err, tc.want)
		}
	}
}
