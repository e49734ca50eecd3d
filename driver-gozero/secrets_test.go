package gozero_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// TestRegisterErrorsQuoteNoSecret: registration errors show no part of a
// password, even one holding '#', '&' or '/', and stay short for a 1 MiB target
// or endpoint. None of these reaches etcd.
func TestRegisterErrorsQuoteNoSecret(t *testing.T) {
	const head, tail = "S3c", "r3tX9"
	big := strings.Repeat("a", 1<<20)
	tests := []struct{ target, endpoint string }{
		{"etcd://user:" + head + "#" + tail + "@h:1/dtmservice", "127.0.0.1:36790"},
		{"etcd://user:" + head + "/" + tail + "@h:1/dtmservice", "127.0.0.1:36790"},
		{"etcd://h:1/dtmservice?user=u&password=" + head + "&" + tail, "127.0.0.1:36790"},
		{"etcd://h:1/dtmservice?user=u&password=" + head + ";" + tail + "=1", "127.0.0.1:36790"},
		{"etcd://h:1/dtmservice?token=" + head + tail, "127.0.0.1:36790"},
		{"etcd://h:1/dtmservice?user=u&password=" + head + tail, "user:" + head + tail + "@h"},
		{"etcd://h:1/" + big + "?user=" + big, "127.0.0.1:36790"},
		{"etcd://h:1," + big + "/k?user=u", "127.0.0.1:36790"},
		{"etcd://h:1/k?" + big + "=1", "127.0.0.1:36790"},
		{big + "://h:1/k", "127.0.0.1:36790"},
		{"etcd://h:1/k", big},
	}
	for _, tt := range tests {
		err := theDriver(t).RegisterGrpcService(tt.target, tt.endpoint)
		switch {
		case err == nil:
			t.Errorf("RegisterGrpcService(%.60q, %.40q) = nil, want an error", tt.target, tt.endpoint)
		case strings.Contains(err.Error(), head) || strings.Contains(err.Error(), tail):
			t.Errorf("RegisterGrpcService(%.60q, %.40q) error quotes the password: %v", tt.target, tt.endpoint, err)
		case len(err.Error()) > 1024:
			t.Errorf("RegisterGrpcService(%.60q, %.40q) error is %d bytes", tt.target, tt.endpoint, len(err.Error()))
		}
	}
}

// TestParseRefusesCredentials: go-zero's docs keep credentials out of branch
// URIs; the driver refuses them in every form, with dtmdriver.ErrBadURI.
func TestParseRefusesCredentials(t *testing.T) {
	for _, uri := range []string{
		"etcd:///user:pw@h:2379/pkg.Svc/Method?key=k",
		"etcd://h:2379/k?Password=pw/pkg.Svc/Method",
		"etcd:///h:2379/pkg.Svc/Method?key=k&apikey=pw",
		"etcd:///h:2379/pkg.Svc/Method?key=k&secret=pw",
		"etcd:///h:2379?auth=pw&key=k/pkg.Svc/Method",
		"direct:///user:pw@10.0.0.1:8080/pkg.Svc/Method",
		"dns:///user:pw@h:53/pkg.Svc/Method",
		"discov://user:pw@h:2379/k/pkg.Svc/Method",
		"k8s://ns/svc:8080?token=pw/pkg.Svc/Method",
	} {
		_, _, err := theDriver(t).ParseServerMethod(uri)
		if !errors.Is(err, dtmdriver.ErrBadURI) || strings.Contains(err.Error(), "pw@") || strings.Contains(err.Error(), "=pw") {
			t.Errorf("ParseServerMethod(%q) error %v; want ErrBadURI without the password", uri, err)
		}
	}
}
