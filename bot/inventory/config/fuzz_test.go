package config

import "testing"

// A configuration is outside input: any bytes give a config or an error,
// never a panic, and a parsed config names only known source types.
func FuzzParse(f *testing.F) {
	f.Add([]byte("sources: [{name: a, type: oci, registry: r.example}]\nowners: [{namespace: x, project: g/p}]\n"))
	f.Add([]byte("sources: [{type: kubernetes, contexts: [a, b]}]"))
	f.Add([]byte("workers: -1\nsources: ${X:-[]}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b, noEnv)
		if err != nil {
			return
		}
		for _, s := range c.Sources {
			if !knownType[s.Type] {
				t.Errorf("parsed unknown type %q", s.Type)
			}
		}
		if c.Workers < 1 {
			t.Errorf("workers %d", c.Workers)
		}
	})
}
