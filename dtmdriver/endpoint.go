package dtmdriver

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// endpointForm is the form of dtm's endpoint, as errors name it.
const endpointForm URIForm = "host:port, an address clients can reach (e.g. 10.0.0.5:36790 or dtm.example:36790)"

// CheckEndpoint is the one endpoint policy every driver applies to the endpoint
// that RegisterGrpcService publishes: dtm's own gRPC address, as clients will
// dial it. It must be "host:port" or "[ipv6]:port" with
//
//   - no scheme ("grpc://h:36790" is refused: the registries store host and port),
//   - a host clients can reach: not empty (":36790") and not an unspecified
//     address ("0.0.0.0", "::"), which a listener binds but no client dials,
//   - a port from 1 to 65535.
//
// It returns the host and port, or an error wrapping [ErrBadURI] that quotes the
// endpoint redacted and says what to write instead. Drivers publish the endpoint
// as given: none substitutes an address of its own for an unspecified host.
func CheckEndpoint(endpoint string) (host string, port int, err error) {
	// What is not host:port is not quoted: it may be a secret given in the wrong
	// place (upstream's Polaris driver took a token here).
	unquoted := func(reason string) error {
		return fmt.Errorf("%w: %s (not quoted); want %s", ErrBadURI, reason, endpointForm)
	}
	if strings.Contains(endpoint, "://") {
		return "", 0, unquoted("dtm's endpoint has a scheme; write host:port alone")
	}
	h, p, splitErr := net.SplitHostPort(endpoint)
	if splitErr != nil || !IsHostPort(endpoint) {
		return "", 0, unquoted("dtm's endpoint is not host:port")
	}
	reject := func(reason string) error { return endpointForm.Reject(endpoint, reason) }
	n, convErr := strconv.Atoi(p)
	if convErr != nil || n < 1 || n > 65535 {
		return "", 0, reject("dtm's endpoint has no port from 1 to 65535")
	}
	if h == "" {
		return "", 0, reject("dtm's endpoint has no host; clients need an address they can reach, " +
			"not the listener's unspecified one")
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsUnspecified() {
		return "", 0, reject("dtm's endpoint has an unspecified host (0.0.0.0 or ::), which no client can dial; " +
			"publish the address clients reach dtm at, such as the pod's or the machine's IP")
	}
	return h, n, nil
}
