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

	// Credentials every driver must refuse without quoting them: userinfo
	// without an authority or with an empty one, a password holding a
	// separator, the tail of a secret after an unescaped '&', '#' or '?', and
	// names that mean a secret however they are written.
	"user:" + Secret + "@h:1/pkg.Svc/Method",
	"etcd:///user:" + Secret + "@h:1/pkg.Svc/Method?key=k",
	"consul:///user:" + Secret + "@h:1/svc/pkg.Svc/Method",
	"polaris:///user:" + Secret + "@svc/pkg.Svc/Method",
	"direct:///user:" + Secret + "@h:1/pkg.Svc/Method",
	"dns:///user:" + Secret + "@h:1/pkg.Svc/Method",
	"protocol1://user:" + Secret + "@h:1/pkg.Svc/Method",
	"etcd://user:" + secretHead + "#" + secretTail + "@h:1/key/pkg.Svc/Method",
	"etcd://user:" + secretHead + "/" + secretTail + "@h:1/key/pkg.Svc/Method",
	"dns://user:" + secretHead + "?" + secretTail + "@h:1/pkg.Svc/Method",
	"consul://h:1/svc?token=" + secretHead + "&" + secretTail + "/pkg.Svc/Method",
	"etcd:///h:1?key=k&password=" + secretHead + "&" + secretTail + "/pkg.Svc/Method",
	"polaris://svc?token=" + secretHead + "#" + secretTail + "/pkg.Svc/Method",
	"protocol1://h:1/key?password=" + Secret + "/pkg.Svc/Method",
	"etcd:///h:1/pkg.Svc/Method?key=k&Password=" + Secret,
	"etcd:///h:1/pkg.Svc/Method?key=k&apikey=" + Secret,
	"etcd:///h:1/pkg.Svc/Method?key=k&x-api-key=" + Secret,
	"etcd:///h:1/pkg.Svc/Method?key=k&accessKey=" + Secret,
	"etcd:///h:1/pkg.Svc/Method?key=k&%70assword=" + Secret,
	"etcd:///h:1?key=k;session=" + Secret + "/pkg.Svc/Method",
	"consul://h:1/svc?auth=" + Secret + "/pkg.Svc/Method",

	// Servers gRPC's url.Parse refuses, which Dial would take for passthrough
	// addresses.
	"protocol1://h%zz:1/a/b",
	"etcd://h:1,b/key/pkg.Svc/Method",
	"e_tcd://h:1/key/pkg.Svc/Method",
}
