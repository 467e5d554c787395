package findings

import (
	"encoding/json"
	"strings"
	"testing"
)

// Validating finding by finding accepts and refuses what validating the
// whole document does, and names the same problem.
func TestValidateFindingsAgreesWithTheWholeDocument(t *testing.T) {
	good := string(sampleDoc())
	two := strings.Replace(good, `"findings":[`, `"findings":[`+findingOf(good)+`,`, 1)
	for name, tc := range map[string]struct {
		doc  string
		want string // in the error; "" when valid
	}{
		"valid":                    {doc: good},
		"two findings":             {doc: two},
		"no findings":              {doc: strings.Replace(good, findingOf(good), "", 1)},
		"bad severity, 2nd":        {doc: replaceLast(two, `"High"`, `"Severe"`), want: "finding 1"},
		"missing field":            {doc: strings.Replace(good, `"fingerprint"`, `"fp"`, 1), want: "does not match"},
		"wrong schema before item": {doc: strings.Replace(strings.Replace(good, SchemaID, "other/v9", 1), `"High"`, `"Severe"`, 1), want: "has schema"},
		"missing top-level field":  {doc: strings.Replace(good, `"scanner"`, `"scnr"`, 1), want: "does not match"},
		"findings not an array":    {doc: `{"schema":"` + SchemaID + `","findings":"nope"}`, want: "does not match"},
		"trailing data":            {doc: good + `{}`, want: "not JSON"},
		"not JSON":                 {doc: `{"schema":`, want: "not JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			err := Validate([]byte(tc.doc))
			whole := validateWhole([]byte(tc.doc))
			if (err == nil) != (whole == nil) {
				t.Fatalf("finding by finding: %v; whole document: %v", err, whole)
			}
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func findingOf(doc string) string {
	i := strings.Index(doc, `"findings":[`) + len(`"findings":[`)
	return doc[i:strings.LastIndex(doc, "]")]
}

func replaceLast(s, old, new string) string {
	i := strings.LastIndex(s, old)
	return s[:i] + new + s[i+len(old):]
}

func FuzzValidate(f *testing.F) {
	f.Add(sampleDoc())
	f.Add([]byte(`{"schema":"` + SchemaID + `","findings":[{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err, whole := Validate(data), validateWhole(data); (err == nil) != (whole == nil) {
			t.Errorf("finding by finding: %v; whole document: %v", err, whole)
		}
	})
}

// sampleDoc is a valid document of one finding.
func sampleDoc() []byte {
	b, err := json.Marshal(sample())
	if err != nil {
		panic(err)
	}
	return b
}
