package findings

import (
	"os"
	"strings"
	"testing"
)

// A report that does not match the schema is refused with a message that
// names the schema, never a path of the machine that checked it.
func TestValidateErrorsCarryNoLocalPath(t *testing.T) {
	err := Validate([]byte(`{"schema":"` + SchemaID + `","findings":"nope"}`))
	if err == nil {
		t.Fatal("invalid report accepted")
	}
	wd, _ := os.Getwd()
	if strings.Contains(err.Error(), "file://") || strings.Contains(err.Error(), wd) {
		t.Errorf("error carries a local path: %v", err)
	}
}
