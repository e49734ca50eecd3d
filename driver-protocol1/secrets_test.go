package protocol1

import (
	"errors"
	"strings"
	"testing"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// TestErrorsQuoteNoSecret: the template's reasons quote input only through
// dtmdriver.Quote, so no credential shows and a huge input gives a short error.
func TestErrorsQuoteNoSecret(t *testing.T) {
	const secret = "S3cr3tX9"
	big := strings.Repeat("a", 1<<20)
	parse := []string{
		"protocol1://user:" + secret + "@h:1/pkg.Svc/Method",
		"protocol1:///user:" + secret + "@h:1/pkg.Svc/Method",
		"protocol1://h:1/key?password=" + secret + "/pkg.Svc/Method",
		"protocol1://h:1,x?token=" + secret + "/pkg.Svc/Method",
		"protocol1://h:1?api-key=" + secret + "/pkg.Svc/Method",
		"protocol1://user:S3c/" + secret + "@h:1/pkg.Svc/Method",
		"protocol1://h%zz:1/a/b",
		"protocol1://" + big + "/pkg.Svc/Method",
		"protocol1://h:1," + big + "/pkg.Svc/Method",
		"protocol1:///" + big + ",h:1/pkg.Svc/Method",
	}
	for _, uri := range parse {
		_, _, err := driver{}.ParseServerMethod(uri)
		checkErr(t, "ParseServerMethod", uri, err, secret)
	}
	register := []struct{ target, endpoint string }{
		{"protocol1://h:1?token=" + secret, "h:1"},
		{"protocol1://user:" + secret + "@h:1", "h:1"},
		{"protocol1://h:1,user:" + secret + "@x", "h:1"},
		{"protocol1://h:1", "user:" + secret + "@h:1"},
		{"protocol1://h:1", "h:1?token=" + secret},
		{"protocol1://" + big, "h:1"},
		{"protocol1://h:1", big},
		{"etcd://" + big, "h:1"},
	}
	for _, tt := range register {
		err := driver{}.RegisterGrpcService(tt.target, tt.endpoint)
		checkErr(t, "RegisterGrpcService", tt.target+" "+tt.endpoint, err, secret)
	}
}

func checkErr(t *testing.T, what, input string, err error, secret string) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s(%.60q) = nil; want an error", what, input)
	case !errors.Is(err, dtmdriver.ErrBadURI):
		t.Errorf("%s(%.60q) error %v does not wrap ErrBadURI", what, input, err)
	case strings.Contains(err.Error(), secret):
		t.Errorf("%s(%.60q) error quotes the secret: %v", what, input, err)
	case len(err.Error()) > 1024:
		t.Errorf("%s(%.60q) error is %d bytes", what, input, len(err.Error()))
	}
}
