package dtmdrivertest

import (
	"testing"

	upstream "github.com/dtm-labs/dtmdriver"
	"github.com/dtmdrivers/drivers/dtmdriver"
)

// CheckSelectedByImport checks what a driver's "use" package must leave
// behind once imported: the driver named name in use in this registry and in
// github.com/dtm-labs/dtmdriver (where dtmgrpc and the dtm server look), and
// a second driver refused. Call it from the use package's test.
func CheckSelectedByImport(t *testing.T, name string) {
	t.Helper()
	if got := dtmdriver.GetDriver().GetName(); got != name {
		t.Errorf("dtmdriver.GetDriver() = %q, want %q", got, name)
	}
	if got := upstream.GetDriver().GetName(); got != name {
		t.Errorf("github.com/dtm-labs/dtmdriver GetDriver() = %q, want %q", got, name)
	}
	if err := dtmdriver.Use(dtmdriver.DefaultName); err == nil {
		t.Error("Use(default) after the import succeeded: want an error naming the driver in use")
	}
}
