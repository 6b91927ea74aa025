package envvar

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	t.Setenv("QUIVER_TEST_PW", "s3cret")
	got, err := Expand("postgres://u:${QUIVER_TEST_PW}@h/db?x=$y&z=${")
	if err != nil || got != "postgres://u:s3cret@h/db?x=$y&z=${" {
		t.Fatalf("Expand = %q, %v", got, err)
	}
	if _, err := Expand("${QUIVER_TEST_UNSET_VAR}"); err == nil || !strings.Contains(err.Error(), "QUIVER_TEST_UNSET_VAR") {
		t.Fatalf("unset variable: %v", err)
	}
}
