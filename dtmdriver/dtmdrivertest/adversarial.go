package dtmdrivertest

import "strings"

// AdversarialURIs is the corpus of hostile branch URIs from the hardening issue:
// long inputs, control bytes, percent-encodings, userinfo secrets, Unicode and
// many slashes. Some are well formed and may split, most must be refused; none
// may panic, hang, or show [Secret] in an error. The fuzz targets take them as
// seeds, and the conformance suite parses each of them (twice: the second
// parse may come from a driver's [dtmdriver.ParseCache]).
var AdversarialURIs = []string{
	// Long: a long server, a long method, long runs of one byte.
	strings.Repeat("a", 1<<16) + ":1/pkg.Svc/Method",
	"h:1/" + strings.Repeat("p", 4096) + ".Svc/Method",
	"etcd://h:2379/" + strings.Repeat("k/", 2048) + "pkg.Svc/Method",
	strings.Repeat("/", 4096),
	strings.Repeat("?", 1024) + "/pkg.Svc/Method",
	strings.Repeat("%", 1024) + "/pkg.Svc/Method",
	"h:1/pkg.Svc/" + strings.Repeat("M", 600), // longer than a cache keeps
	strings.Repeat("h", 8) + ":1/a.B/C",
	"h:1/a.B/C" + strings.Repeat("\x00", 9),
	// Control bytes at every offset of an 8-byte word, and DEL.
	"\x00127.0.0.1:8080/pkg.Svc/Method",
	"1\x0127.0.0.1:8080/pkg.Svc/Method",
	"12\t7.0.0.1:8080/pkg.Svc/Method",
	"127\r.0.0.1:8080/pkg.Svc/Method",
	"127.\n0.0.1:8080/pkg.Svc/Method",
	"127.0\x1b.0.1:8080/pkg.Svc/Method",
	"127.0.\x1f0.1:8080/pkg.Svc/Method",
	"127.0.0\x7f.1:8080/pkg.Svc/Method",
	"127.0.0.1:8080/pkg.Svc/Metho\x00",
	"127.0.0.1:8080/pkg.Svc\x00/Method",
	// Percent-encodings: valid, invalid, truncated, encoded separators and secrets.
	"h%2D1:8080/pkg.Svc/Method",
	"h%zz:1/pkg.Svc/Method",
	"h:1%/pkg.Svc/Method",
	"h:1/pkg.Svc/Method%",
	"etcd://h:2379/a%2Fb/pkg.Svc/Method",
	"etcd:///h:2379/pkg.Svc/Method?key=a%2Fb",
	"h:1/pkg%2ESvc/Method",
	"etcd:///h:1/pkg.Svc/Method?key=k&%70%61%73%73word=" + Secret,
	"consul://h:1/svc?%74oken=" + Secret + "/pkg.Svc/Method",
	// Userinfo secrets in every place a server has.
	"user:" + Secret + "@127.0.0.1:8080/pkg.Svc/Method",
	"etcd://:" + Secret + "@h:2379/key/pkg.Svc/Method",
	"etcd://user:" + Secret + "@/key/pkg.Svc/Method",
	"consul://h:8500/" + Secret + "@svc/pkg.Svc/Method",
	"polaris://" + Secret + "@svc/pkg.Svc/Method?namespace=ns",
	"direct:///h:1,user:" + Secret + "@h:2/pkg.Svc/Method",
	"k8s://ns/user:" + Secret + "@svc:1/pkg.Svc/Method",
	"protocol1://h:1/pkg.Svc/Method?password=" + Secret,
	"h:1/pkg.Svc/Method?token=" + Secret,
	// Unicode: in the host, the service, the method; overlong and invalid UTF-8.
	"hö:1/pkg.Svc/Method",
	"h:1/pkg.Sv€/Method",
	"h:1/pkg.Svc/Méthode",
	"etcd://h:2379/ключ/pkg.Svc/Method",
	"h:1/pkg.Svc/\xc0\xaf",
	"h:1\u202e/pkg.Svc/Method",
	"\ufeffh:1/pkg.Svc/Method",
	// Many slashes, few slashes, slashes where a part should be.
	"h:1///pkg.Svc/Method",
	"h:1/pkg.Svc//Method",
	"h:1/a/b/c/d/e/f/g/h/pkg.Svc/Method",
	"etcd:////////h:1/pkg.Svc/Method",
	"etcd:/h:1/pkg.Svc/Method",
	"etcd:h:1/pkg.Svc/Method",
	"//h:1/pkg.Svc/Method",
	"h:1/pkg.Svc/Method/",
	// Ports and hosts net/url refuses or reads otherwise.
	"h:99999999/pkg.Svc/Method",
	"h:-1/pkg.Svc/Method",
	"h:1:2/pkg.Svc/Method",
	"[::1/pkg.Svc/Method",
	"[::1]]:1/pkg.Svc/Method",
	"etcd://h:x/key/pkg.Svc/Method",
	"etcd://[::1]:2379/key/pkg.Svc/Method",
	"1tcd://h:1/key/pkg.Svc/Method",
	"etcd+tls://h:1/key/pkg.Svc/Method",
}
