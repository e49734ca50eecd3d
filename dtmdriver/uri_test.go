package dtmdriver

import (
	"errors"
	"strings"
	"testing"
)

func TestSplitMethod(t *testing.T) {
	tests := []struct {
		uri, server, method string
	}{
		{"127.0.0.1:8080/pkg.Svc/Method", "127.0.0.1:8080", "/pkg.Svc/Method"},
		{"[::1]:8080/Svc/Method", "[::1]:8080", "/Svc/Method"},
		{"etcd://h:2379/trans.rpc/pkg.Svc/Method", "etcd://h:2379/trans.rpc", "/pkg.Svc/Method"},
		{"etcd://h1:2379,h2:2379/a/b/c/pkg.Svc/Method", "etcd://h1:2379,h2:2379/a/b/c", "/pkg.Svc/Method"},
		{"etcd:///h1:2379,h2:2379/pkg.Svc/Method?key=trans.rpc", "etcd:///h1:2379,h2:2379?key=trans.rpc", "/pkg.Svc/Method"},
		{"consul://h:8500/user.rpc?wait=14s/pkg.Svc/Method", "consul://h:8500/user.rpc?wait=14s", "/pkg.Svc/Method"},
		{"consul://h:8500/user.rpc/pkg.Svc/Method?wait=14s&tag=a", "consul://h:8500/user.rpc?wait=14s&tag=a", "/pkg.Svc/Method"},
		{"direct:///10.0.0.1:8080,10.0.0.2:8080/pkg.Svc/Method", "direct:///10.0.0.1:8080,10.0.0.2:8080", "/pkg.Svc/Method"},
		{"k8s://ns/svc:8080/pkg.Svc/Method", "k8s://ns/svc:8080", "/pkg.Svc/Method"},
		{"polaris://svc?options=eyJhIjoxfQ/pkg.Svc/Method", "polaris://svc?options=eyJhIjoxfQ", "/pkg.Svc/Method"},
		// A '/' in a trailing query value: the method still precedes the query.
		{"etcd:///h:2379/pkg.Svc/Method?key=a/b", "etcd:///h:2379?key=a/b", "/pkg.Svc/Method"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			server, method, err := SplitMethod(tt.uri)
			if err != nil || server != tt.server || method != tt.method {
				t.Errorf("SplitMethod(%q) = %q, %q, %v; want %q, %q, nil", tt.uri, server, method, err, tt.server, tt.method)
			}
		})
	}
}

func TestSplitMethodErrors(t *testing.T) {
	tests := []struct {
		uri    string
		reason string // a part of the error text
	}{
		{"", "empty URI"},
		{"127.0.0.1:8080", "no gRPC method"},
		{"127.0.0.1:8080/Method", "no gRPC method"},
		{"/pkg.Svc/Method", "empty server"},
		{"etcd://h:2379", "no gRPC method"},
		{"etcd://h:2379/key", "no gRPC method"},
		{"etcd:///pkg.Svc/Method", "empty server"},
		{"://h/pkg.Svc/Method", "empty scheme"},
		{"h:1/pkg.Svc/", "empty service or method"},
		{"h:1//Method", "empty service or method"},
		{"h:1/pkg.Svc/Method#x", "no fragment"},
		{"h:1/a?b=1/pkg?.Svc/Method", "'?' inside the gRPC method"},
		{"?a=1/pkg.Svc/Method", "empty server before its query"},
		{"etcd://?a=1/pkg.Svc/Method", "empty server before its query"},
		{"h:1/pkg.Svc/Me thod", "offset 14"},
		{"h:1/pkg.Svc/Méthod", "non-ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			server, method, err := SplitMethod(tt.uri)
			if err == nil {
				t.Fatalf("SplitMethod(%q) = %q, %q, nil; want an error", tt.uri, server, method)
			}
			var ue *URIError
			if !errors.As(err, &ue) || !errors.Is(err, ErrBadURI) {
				t.Errorf("error %v (%T) is not a *URIError wrapping ErrBadURI", err, err)
			}
			if !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), string(GenericForm)) {
				t.Errorf("error %q: want it to say %q and name the form %q", err, tt.reason, GenericForm)
			}
		})
	}
}

func TestSplitMethodErrorRedactsAndShortens(t *testing.T) {
	_, _, err := SplitMethod("etcd://root:hunter2@h:2379/key?password=hunter2")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %v: want an error without the password", err)
	}
	long := strings.Repeat("a", 10_000)
	_, _, err = SplitMethod(long)
	if err == nil || len(err.Error()) > 2*maxDisplayLen {
		t.Errorf("error for a 10 kB URI is %d bytes; want it shortened", len(err.Error()))
	}
}

func TestScheme(t *testing.T) {
	tests := []struct{ in, want string }{
		{"etcd://h:2379/key", "etcd"},
		{"h:2379", ""},
		{"h:1/x://y", ""},
		{"://h", ""},
	}
	for _, tt := range tests {
		if got := Scheme(tt.in); got != tt.want {
			t.Errorf("Scheme(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsHostPort(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"localhost:1", true},
		{"[::1]:36790", true},
		{"[fe80::1%25eth0]:80", true},
		{"localhost", false},
		{"localhost:", false},
		{":8080", false},
		{"::1:80", false},
		{"[::1]", false},
		{"[]:80", false},
		{"h:8o", false},
		{"h/x:80", false},
		{"user@h:80", false},
		{"h:123456", false},
		{"h:65535", true},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsHostPort(tt.in); got != tt.want {
			t.Errorf("IsHostPort(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSplitScheme(t *testing.T) {
	const form URIForm = "x://list/package.Service/Method"
	tests := []struct {
		uri, server, method, rest string
		ok                        bool
	}{
		{"x://a:1,b:2/pkg.Svc/M", "x://a:1,b:2", "/pkg.Svc/M", "a:1,b:2", true},
		{"x:///a:1/pkg.Svc/M?k=v", "x:///a:1?k=v", "/pkg.Svc/M", "/a:1?k=v", true},
		{"10.0.0.1:8080/pkg.Svc/M", "10.0.0.1:8080", "/pkg.Svc/M", "", true},
		{"[::1]:8080/pkg.Svc/M", "[::1]:8080", "/pkg.Svc/M", "", true},
		{"y://a:1/pkg.Svc/M", "", "", "", false},
		{"xx://a:1/pkg.Svc/M", "", "", "", false},
		{"localhost/pkg.Svc/M", "", "", "", false},
		{"h:1/prefix/pkg.Svc/M", "", "", "", false},
		{"x://a:1", "", "", "", false},
	}
	for _, tt := range tests {
		server, method, rest, err := form.SplitScheme(tt.uri, "x")
		if (err == nil) != tt.ok || server != tt.server || method != tt.method || rest != tt.rest {
			t.Errorf("SplitScheme(%q) = %q, %q, %q, %v; want %q, %q, %q, ok=%v",
				tt.uri, server, method, rest, err, tt.server, tt.method, tt.rest, tt.ok)
		}
		if err != nil && (!errors.Is(err, ErrBadURI) || !strings.Contains(err.Error(), string(form))) {
			t.Errorf("SplitScheme(%q) error %v: want ErrBadURI naming the form", tt.uri, err)
		}
	}
}
