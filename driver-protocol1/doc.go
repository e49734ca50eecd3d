// Package protocol1 is the smallest complete dtm driver, and the template for new
// ones: its branch URIs carry a static list of gRPC server addresses, so it needs no
// registry. A blank import registers it as "dtm-driver-protocol1".
//
// # URLs
//
//	protocol1://host:port[,host:port...]/package.Service/Method
//	protocol1:///host:port[,host:port...]/package.Service/Method
//	host:port/package.Service/Method
//
// The first form suits host names and IPv4 addresses; the second, with the list in
// the path, also takes several IPv6 addresses ("protocol1:///[::1]:8081,[::1]:8082/...").
// The last form, without a scheme, names one server directly, as with the default
// driver. Calls are spread over the addresses round robin; an address that fails is skipped
// until it recovers, as gRPC's round_robin policy does.
//
// # Configuration
//
// None. dtm's MicroService.Target may be empty (nothing to register) or a
// protocol1 URI naming dtm's own addresses, which is validated and otherwise
// ignored: clients write dtm's address in their own URIs.
//
//	MicroService:
//	  Driver: dtm-driver-protocol1
//	  Target: protocol1://localhost:36790
//	  EndPoint: localhost:36790
//
// # Adapting it
//
// Copy it with `make new-driver NAME=foo`; see README.md for the choices a framework
// author makes in each file.
package protocol1
