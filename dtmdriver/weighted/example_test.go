package weighted_test

import (
	"fmt"

	"github.com/dtmdrivers/drivers/dtmdriver/weighted"
	"google.golang.org/grpc/resolver"
)

// A resolver gives each endpoint the weight its registry carries and selects
// the policy in the service config it sends with them.
func ExampleSetWeight() {
	small := weighted.SetWeight(resolver.Endpoint{Addresses: []resolver.Address{{Addr: "10.0.0.1:8080"}}}, 1)
	large := weighted.SetWeight(resolver.Endpoint{Addresses: []resolver.Address{{Addr: "10.0.0.2:8080"}}}, 4)
	unset := resolver.Endpoint{Addresses: []resolver.Address{{Addr: "10.0.0.3:8080"}}}
	fmt.Println(weighted.Weight(small), weighted.Weight(large), weighted.Weight(unset))
	fmt.Println(weighted.ServiceConfig)
	// Output:
	// 1 4 1
	// {"loadBalancingConfig":[{"dtm_weighted_round_robin":{}}]}
}
