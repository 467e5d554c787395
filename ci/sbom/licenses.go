package sbom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"sync"
	"unsafe"

	"github.com/google/licensecheck"
)

// LicenseMemo remembers licensecheck's coverage of license texts by the
// sha256 of the text, so that a scan of an image whose copyright files
// another scan already read (a rebuild on the same base layers) matches
// none of them again. Matching them was a third of a rebuilt scan's CPU:
// licensecheck compiles its automaton on the first text it matches. The
// coverage of a text depends on the text and licensecheck's license set
// only, so the memo must be keyed (by its caller) by licensecheck's version.
type LicenseMemo struct {
	mu     sync.Mutex
	known  map[string]licensecheck.Coverage // read from an earlier scan
	used   map[string]licensecheck.Coverage // asked for in this scan
	misses int
	scan   func([]byte) licensecheck.Coverage // licensecheck's, as syft built it
}

// NewLicenseMemo starts from what Encode wrote; data that does not decode
// is an empty memo (a miss costs a match, never a wrong license).
func NewLicenseMemo(data []byte) *LicenseMemo {
	m := &LicenseMemo{used: map[string]licensecheck.Coverage{}}
	if json.Unmarshal(data, &m.known) != nil {
		m.known = nil
	}
	return m
}

// Encode returns the memo to keep for the next scan: the entries this
// scan asked for, and the earlier ones while there are at most max in all
// (so a project's memo does not grow with every image it ever scanned).
// changed is false when the result would equal what NewLicenseMemo read.
func (m *LicenseMemo) Encode(max int) (data []byte, changed bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]licensecheck.Coverage, len(m.used))
	for k, c := range m.used {
		out[k] = c
	}
	if len(m.known)+m.misses <= max {
		for k, c := range m.known {
			out[k] = c
		}
	}
	if m.misses == 0 && len(out) == len(m.known) {
		return nil, false, nil
	}
	data, err = json.Marshal(out)
	return data, true, err
}

// Misses is how many texts this scan had to match.
func (m *LicenseMemo) Misses() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.misses
}

// coverage is the scanner syft calls for every license text.
func (m *LicenseMemo) coverage(text []byte) licensecheck.Coverage {
	sum := sha256.Sum256(text)
	k := hex.EncodeToString(sum[:])
	m.mu.Lock()
	c, ok := m.used[k]
	if !ok {
		c, ok = m.known[k]
	}
	m.mu.Unlock()
	if !ok {
		c = m.scan(text)
	}
	m.mu.Lock()
	if _, seen := m.used[k]; !seen && !ok {
		m.misses++
	}
	m.used[k] = c
	m.mu.Unlock()
	return c
}

// install puts the memo in front of the licensecheck scanner that
// syft.SetContextLicenseScanner stored in ctx, and says whether it could.
// syft keeps that scanner in an internal package (its type cannot be
// named here) as a struct whose field "scanner" is licensecheck's Scan:
// that one field is replaced, in the scanner built for this scan alone,
// and syft does everything else as before (threshold, evidence, content).
// When a syft release changes that shape nothing is replaced and the scan
// matches every text as before; TestLicenseMemoInstalls notices.
func (m *LicenseMemo) install(ctx context.Context) bool {
	field, ok := licenseScanField(ctx)
	if !ok {
		return false
	}
	m.scan = *field
	*field = m.coverage
	return true
}

// licenseScanField finds the licensecheck function inside the license
// scanner that ctx holds as its innermost value (context.WithValue's val).
func licenseScanField(ctx context.Context) (*func([]byte) licensecheck.Coverage, bool) {
	v := reflect.ValueOf(ctx)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	val := v.Elem().FieldByName("val")
	if !val.IsValid() || val.Kind() != reflect.Interface || val.IsNil() {
		return nil, false
	}
	s := val.Elem()
	if s.Kind() != reflect.Pointer || s.IsNil() || s.Elem().Kind() != reflect.Struct ||
		s.Type().Elem().PkgPath() != "github.com/anchore/syft/internal/licenses" {
		return nil, false
	}
	f := s.Elem().FieldByName("scanner")
	if !f.IsValid() || f.Type() != reflect.TypeFor[func([]byte) licensecheck.Coverage]() || f.IsNil() {
		return nil, false
	}
	return (*func([]byte) licensecheck.Coverage)(unsafe.Pointer(f.UnsafeAddr())), true
}
