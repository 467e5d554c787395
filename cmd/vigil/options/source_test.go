package options

import "testing"

func TestCacheMaxBytes(t *testing.T) {
	for in, want := range map[string]int64{"2GiB": 2 << 30, "500MB": 500e6, "0": 0, "1.5 GB": 1.5e9} {
		s := Source{CacheMaxSize: in}
		if got, err := s.CacheMaxBytes(); err != nil || got != want {
			t.Errorf("CacheMaxBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if got, err := (&Source{CacheMaxSize: "lots"}).CacheMaxBytes(); err == nil {
		t.Errorf("CacheMaxBytes(\"lots\") = %d, want an error", got)
	}
	if d := DefaultSource(); d.CacheMaxSize != "2.0 GiB" {
		t.Errorf("default --cache-max-size %q, want 2.0 GiB", d.CacheMaxSize)
	}
}
