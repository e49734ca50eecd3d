package dtmdrivertest

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dtmdrivers/drivers/dtmdriver"
)

// toyDriver is a driver whose registry is a map, and whose registration starts a
// goroutine that Close stops, unless leaky.
type toyDriver struct {
	leaky bool
	mu    sync.Mutex
	regs  map[string]chan struct{} // endpoint to the stop of its goroutine
}

const toyName = "dtm-driver-conformance-toy"

func (*toyDriver) GetName() string       { return toyName }
func (*toyDriver) RegisterGrpcResolver() {}
func (*toyDriver) ParseServerMethod(uri string) (string, string, error) {
	return dtmdriver.SplitMethod(uri)
}

func (d *toyDriver) RegisterGrpcService(target, endpoint string) error {
	if target == "" {
		return nil
	}
	if !strings.HasPrefix(target, "toy://") {
		return dtmdriver.URIForm("toy://service").Reject(target, "not toy://")
	}
	if _, _, err := dtmdriver.CheckEndpoint(endpoint); err != nil {
		return err
	}
	stop := make(chan struct{})
	go func() { <-stop }() // the registration's keep-alive
	d.mu.Lock()
	d.regs[endpoint] = stop
	d.mu.Unlock()
	return nil
}

func (d *toyDriver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for endpoint, stop := range d.regs {
		if !d.leaky {
			close(stop)
		}
		delete(d.regs, endpoint)
	}
	return nil
}

func (d *toyDriver) listed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var eps []string
	for ep := range d.regs {
		eps = append(eps, ep)
	}
	return eps
}

// toyEnv selects, in a child process, the toy driver's behaviour.
const toyEnv = "DTMDRIVERTEST_TOY"

// TestToyClose runs the registration and Close checks on the toy driver in a
// child process, once sound and once leaking its goroutine: the Close check must
// pass the first and fail the second.
func TestToyClose(t *testing.T) {
	if mode := os.Getenv(toyEnv); mode != "" {
		runToy(t, mode == "leaky")
		return
	}
	for _, mode := range []string{"sound", "leaky"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestToyClose$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), toyEnv+"="+mode)
		out, err := cmd.CombinedOutput()
		leakReported := strings.Contains(string(out), "goroutines still running")
		switch {
		case mode == "sound" && err != nil:
			t.Errorf("the suite failed a sound driver: %v\n%s", err, out)
		case mode == "leaky" && (err == nil || !leakReported):
			t.Errorf("the suite did not report a Close that leaks a goroutine: %v\n%s", err, out)
		}
	}
}

func runToy(t *testing.T, leaky bool) {
	leakTimeout = time.Second
	d := &toyDriver{leaky: leaky, regs: map[string]chan struct{}{}}
	dtmdriver.Register(d)
	h := Harness{
		Driver: d,
		RegistrationTarget: func(t *testing.T, service, endpoint string) (string, string) {
			return "toy://" + service, endpoint
		},
		Listed: func(t *testing.T, service string) []string { return d.listed() },
	}
	t.Run("RegisterEmptyTarget", func(t *testing.T) { testRegisterEmptyTarget(t, h) })
	t.Run("RegisterMalformed", func(t *testing.T) { testRegisterMalformed(t, h, toyName) })
	t.Run("Register", func(t *testing.T) { testRegister(t, h, toyName) })
	t.Run("Close", func(t *testing.T) { testClose(t, h, toyName) })
	if !slices.Equal(d.listed(), nil) {
		t.Errorf("toy registry after the checks: %q", d.listed())
	}
}
