package actions

import (
	"fmt"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"gitlab.com/vigil-vm/vigil/internal/findings"
)

// ScanInputs are the action's inputs (action.yml) for `vigil scan`. Empty
// strings mean the input was not given; the CLI keeps its own default then.
type ScanInputs struct {
	Image         string // image
	FailOn        string // fail-on: a lower-case severity name, or "" for no gate ("none" reads as "")
	IgnoreUnfixed bool   // ignore-unfixed
	Allowlist     string // allowlist
	VEX           string // vex
	OutputDir     string // output-dir
	DB            string // db
	SBOMFormats   string // sbom-format
	Platform      string // platform
}

// Inputs reads the action's inputs from INPUT_* variables and checks the ones
// with a fixed vocabulary, so a typo fails the step instead of silently
// disabling the gate.
func Inputs(a *githubactions.Action) (ScanInputs, error) {
	in := ScanInputs{
		Image:       a.GetInput("image"),
		Allowlist:   a.GetInput("allowlist"),
		VEX:         a.GetInput("vex"),
		OutputDir:   a.GetInput("output-dir"),
		DB:          a.GetInput("db"),
		SBOMFormats: a.GetInput("sbom-format"),
		Platform:    a.GetInput("platform"),
	}
	switch failOn := strings.ToLower(a.GetInput("fail-on")); failOn {
	case "", "none":
	default:
		sev, err := findings.ParseSeverity(failOn)
		if err != nil {
			return ScanInputs{}, fmt.Errorf("read input fail-on: %w", err)
		}
		in.FailOn = strings.ToLower(sev.String())
	}
	unfixed, err := parseBool(a.GetInput("ignore-unfixed"))
	if err != nil {
		return ScanInputs{}, fmt.Errorf("read input ignore-unfixed: %w", err)
	}
	in.IgnoreUnfixed = unfixed
	return in, nil
}

// parseBool reads a boolean input the way workflow authors write them.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "false", "no", "0", "off":
		return false, nil
	case "true", "yes", "1", "on":
		return true, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}
