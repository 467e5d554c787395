package findings

import "testing"

// TestSeveritiesOrder: every severity once, most severe first, since reports
// and outputs count in this order.
func TestSeveritiesOrder(t *testing.T) {
	got := Severities()
	if len(got) != int(Critical-Unknown)+1 {
		t.Fatalf("Severities() = %v, want every severity", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] >= got[i-1] {
			t.Errorf("Severities() = %v, not most severe first", got)
		}
	}
	got[0] = Unknown
	if Severities()[0] != Critical {
		t.Error("Severities() shares its slice with callers")
	}
}
