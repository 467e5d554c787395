// Package clock is a settable clock, for what runs the bot on a time of its
// own choosing: the demo's scripted month and the bot's tests, where the
// GitLab double and the bot must agree on what time it is.
package clock

import (
	"sync"
	"time"
)

// Settable is a clock that stands still until it is set or moved; safe for
// concurrent use.
type Settable struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Settable { return &Settable{t: t} }

// Now is the clock's time.
func (c *Settable) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set puts the clock at t.
func (c *Settable) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Add moves the clock by d.
func (c *Settable) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
