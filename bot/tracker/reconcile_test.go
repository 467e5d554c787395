package tracker

import "testing"

func TestNextTransition(t *testing.T) {
	tests := []struct {
		state                    string
		wantOpen, holds, changed bool
		want                     transition
	}{
		{stateOpened, true, false, false, leave},    // nothing changed: no write
		{stateOpened, true, false, true, update},    // content changed
		{stateOpened, true, true, true, update},     // an exception only changes labels
		{stateOpened, false, false, false, closeIt}, // no longer detected
		{stateOpened, false, true, true, closeIt},
		{stateClosed, true, false, false, reopen}, // detected again
		{stateClosed, true, true, true, leave},    // closed under an exception stays closed
		{stateClosed, false, false, true, leave},  // fixed and closed
	}
	for _, tt := range tests {
		if got := nextTransition(tt.state, tt.wantOpen, tt.holds, tt.changed); got != tt.want {
			t.Errorf("nextTransition(%s, open=%v, holds=%v, changed=%v) = %d, want %d", tt.state, tt.wantOpen, tt.holds, tt.changed, got, tt.want)
		}
	}
}
