package findings

import (
	"fmt"
	"strings"
)

// Severity is a normalised vulnerability severity. The zero value is Unknown.
type Severity int

// Severities from least to most severe; the order is what gates compare.
const (
	Unknown Severity = iota
	Negligible
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"Unknown", "Negligible", "Low", "Medium", "High", "Critical"}

// Severities lists every severity most severe first: the one order in which
// reports, summaries and outputs count them. It returns a new slice.
func Severities() []Severity {
	return []Severity{Critical, High, Medium, Low, Negligible, Unknown}
}

func (s Severity) String() string {
	if s < Unknown || s > Critical {
		return "Unknown"
	}
	return severityNames[s]
}

// ParseSeverity reads a severity name case-insensitively. "info" and
// "informational" (GitLab's words) map to Negligible.
func ParseSeverity(name string) (Severity, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "info", "informational":
		return Negligible, nil
	}
	for i, v := range severityNames {
		if strings.ToLower(v) == n {
			return Severity(i), nil
		}
	}
	return Unknown, fmt.Errorf("unknown severity %q (want one of critical, high, medium, low, negligible, unknown)", name)
}

// MustSeverity is ParseSeverity for values that already passed validation;
// anything unreadable is Unknown.
func MustSeverity(name string) Severity {
	s, err := ParseSeverity(name)
	if err != nil {
		return Unknown
	}
	return s
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name; unknown names are an error.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
