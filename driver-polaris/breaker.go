package polaris

import (
	"reflect"
	"unsafe"

	"github.com/polarismesh/polaris-go/api"
	"github.com/polarismesh/polaris-go/pkg/config"
	"github.com/polarismesh/polaris-go/pkg/plugin/circuitbreaker"
	"github.com/polarismesh/polaris-go/pkg/plugin/common"
	"github.com/polarismesh/polaris-go/plugin/circuitbreaker/composite"
)

// stopBreakerWorkers stops the 16 goroutines of polaris-go v1.6.1's composite
// circuit breaker in ctx, once ctx is destroyed. Every SDK context starts that
// plugin whatever the configuration says (it does not override IsEnable), and
// destroying the context leaves its task executor running: the plugin's Destroy
// returns early on its first call (its compare-and-swap is inverted), and would
// cancel another context than the executor's anyway. The executor's own Stop is
// never called, and the plugin keeps it in an unexported field, read here with
// reflect. It does nothing when polaris-go's layout is not the one expected.
func stopBreakerWorkers(ctx api.SDKContext) {
	p, err := ctx.GetPlugins().GetPlugin(common.TypeCircuitBreaker, config.DefaultCircuitBreaker)
	if err != nil {
		return
	}
	proxy, ok := p.(*circuitbreaker.Proxy)
	if !ok {
		return
	}
	cb, ok := proxy.CircuitBreaker.(*composite.CompositeCircuitBreaker)
	if !ok || cb == nil {
		return
	}
	f := reflect.ValueOf(cb).Elem().FieldByName("executor")
	if !f.IsValid() || f.Type() != reflect.TypeFor[*composite.TaskExecutor]() {
		return
	}
	ex := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(*composite.TaskExecutor)
	if ex != nil {
		ex.Stop()
	}
}
