package options

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestLayering: defaults, then the environment, then flags, for every
// group the same way.
func TestLayering(t *testing.T) {
	env := map[string]string{"CS_IMAGE": "registry.example/app:1", "CS_IGNORE_UNFIXED": "true", "CS_SEVERITY_THRESHOLD": "high", "CONTAINER_HOST": "unix:///run/podman.sock"}
	for _, tc := range []struct {
		name  string
		args  []string
		check func(*testing.T, *Source, *Output, *Gate)
	}{
		{"environment over defaults", nil, func(t *testing.T, s *Source, o *Output, g *Gate) {
			if s.Target != "registry.example/app:1" || !g.IgnoreUnfixed || o.Threshold != "high" || s.DaemonHost != "unix:///run/podman.sock" {
				t.Errorf("environment not applied: %+v %+v %+v", s, o, g)
			}
			if g.FailOn != "none" {
				t.Errorf("CS_SEVERITY_THRESHOLD became a gate: fail-on %q", g.FailOn)
			}
		}},
		{"flags over environment", []string{"--image", "other:2", "--ignore-unfixed=false", "--severity-threshold", "low"}, func(t *testing.T, s *Source, o *Output, g *Gate) {
			if s.Target != "other:2" || g.IgnoreUnfixed || o.Threshold != "low" {
				t.Errorf("flags lost to the environment: %+v %+v %+v", s, o, g)
			}
		}},
		{"positional over environment", []string{"pos:3"}, func(t *testing.T, s *Source, o *Output, g *Gate) {
			if s.Target != "pos:3" {
				t.Errorf("target %q, want the IMAGE argument", s.Target)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, o, g := DefaultSource(), DefaultOutput(), DefaultGate()
			fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
			s.AddFlags(fs)
			o.AddFlags(fs, true)
			g.AddFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if err := ApplyEnv(fs, func(k string) string { return env[k] }, s.Env(), o.Env(), g.Env()); err != nil {
				t.Fatal(err)
			}
			if err := s.SetTarget(fs, fs.Args()); err != nil {
				t.Fatal(err)
			}
			tc.check(t, &s, &o, &g)
		})
	}
}

func TestApplyEnvNamesTheVariable(t *testing.T) {
	g := DefaultGate()
	fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
	g.AddFlags(fs)
	err := ApplyEnv(fs, func(k string) string { return map[string]string{"CS_IGNORE_UNFIXED": "maybe"}[k] }, g.Env())
	if err == nil || !strings.Contains(err.Error(), "CS_IGNORE_UNFIXED") {
		t.Fatalf("error %v: want it to name CS_IGNORE_UNFIXED", err)
	}
}

func TestOutputValidate(t *testing.T) {
	o := DefaultOutput()
	o.SBOMFormats = []string{"spdx", " CycloneDX", "spdx", ""}
	o.Print = PrintCycloneDXJSON
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.SBOMFormats, ",") != "spdx,cyclonedx" {
		t.Errorf("formats %v, want spdx,cyclonedx (trimmed, lower-cased, once each)", o.SBOMFormats)
	}
	o.Print = "xml"
	if err := o.Validate(); err == nil {
		t.Error("-o xml accepted")
	}
}
