package dtmdrivertest

// Secret is the credential planted in the shared malformed corpus. No error a driver
// returns for these URIs may contain it.
const Secret = "s3cr3t-Pa55"

// MalformedURIs is the shared corpus of branch URIs that every driver must reject
// with an error: no method, no server, empty parts, control characters, and
// credentials in places where they must not leak into the error.
var MalformedURIs = []string{
	"",
	" ",
	"/",
	"//",
	"///",
	"a",
	"pkg.Svc/Method",
	"/pkg.Svc/Method",
	"//pkg.Svc/Method",
	"?/pkg.Svc/Method",
	"?x=1/pkg.Svc/Method",
	"127.0.0.1:8080",
	"127.0.0.1:8080/",
	"127.0.0.1:8080//",
	"127.0.0.1:8080/pkg.Svc",
	"127.0.0.1:8080/pkg.Svc/",
	"127.0.0.1:8080//Method",
	"127.0.0.1:8080/pkg.Svc/Me?thod",
	"127.0.0.1:8080/pkg.Svc/Method#frag",
	"127.0.0.1:8080/pkg.Svc/Me thod",
	"127.0.0.1:8080/pkg.Svc/Method\n",
	"127.0.0.1:8080/pkg\x00.Svc/Method",
	"127.0.0.1:8080/pkg.Svc/Method\x7f",
	"://127.0.0.1:8080/pkg.Svc/Method",
	"etcd:",
	"etcd://",
	"etcd:///",
	"etcd:////",
	"etcd://h:2379",
	"etcd://h:2379/",
	"etcd://h:2379/pkg.Svc",
	"etcd:///pkg.Svc/Method",
	"etcd://?key=a/pkg.Svc/Method",
	"etcd://user:" + Secret + "@h:2379",
	"etcd://user:" + Secret + "@h:2379/key",
	"etcd://h:2379/key?password=" + Secret,
	"consul://h:8500/svc?token=" + Secret,
	"consul://" + Secret + "@h:8500/svc",
	"polaris://svc?token=" + Secret + "&x=1",
	"%zz/pkg.Svc/Method\t",
	"\xff\xfe/\xff/\xfe",
}
