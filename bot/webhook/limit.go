package webhook

import (
	"sync"
	"time"
)

// limiter lets through a burst of events, then one per interval, and
// counts what it held back: enough to see an attack in the log without
// letting the attack write the log.
type limiter struct {
	mu         sync.Mutex
	interval   time.Duration
	burst      float64
	tokens     float64
	last       time.Time
	suppressed int
}

func newLimiter(interval time.Duration, burst int) *limiter {
	return &limiter{interval: interval, burst: float64(burst), tokens: float64(burst)}
}

// allow reports whether an event may be logged now, and how many were held
// back since the last one that was.
func (l *limiter) allow(now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+float64(now.Sub(l.last))/float64(l.interval))
	}
	l.last = now
	if l.tokens < 1 {
		l.suppressed++
		return false, 0
	}
	l.tokens--
	n := l.suppressed
	l.suppressed = 0
	return true, n
}
