package protocol1_test

import (
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	_ "github.com/dtmdrivers/drivers/driver-protocol1"
)

// TestUpstreamAPI uses only github.com/dtm-labs/dtmdriver, as the dtm server and
// github.com/dtm-labs/client do after a blank import of this driver.
func TestUpstreamAPI(t *testing.T) {
	if err := upstream.Use("dtm-driver-protocol1"); err != nil {
		t.Fatal(err)
	}
	d := upstream.GetDriver()
	server, method, err := d.ParseServerMethod("protocol1://127.0.0.1:8081,127.0.0.1:8082/busi.Busi/TransIn")
	if err != nil || server != "protocol1://127.0.0.1:8081,127.0.0.1:8082" || method != "/busi.Busi/TransIn" {
		t.Errorf("ParseServerMethod = %q, %q, %v", server, method, err)
	}
	if err := d.RegisterService("protocol1://127.0.0.1:36790", "127.0.0.1:36790"); err != nil {
		t.Errorf("RegisterService: %v", err)
	}
	if err := d.RegisterService("etcd://127.0.0.1:2379/dtm", "127.0.0.1:36790"); err == nil {
		t.Error("RegisterService with a foreign target returned nil")
	}
}
