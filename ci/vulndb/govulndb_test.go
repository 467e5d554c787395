package vulndb

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/anchore/grype/grype/search"
)

func TestBuildWholeGoVulnDB(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole Go vulnerability database")
	}
	ctx := context.Background()
	osv, err := GoVulnDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	files, err := jsonFiles(osv)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	start := time.Now()
	st, err := Build(ctx, BuildConfig{OSVDirs: []string{osv}, Out: out}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	secs := time.Since(start).Seconds()
	info, err := os.Stat(filepath.Join(out, "6", "vulnerability.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Go vulndb: %d records in, %d vulnerabilities, %d package rows, %.1f MB, %.1f s",
		len(files), st.Vulnerabilities, st.Packages, float64(info.Size())/1e6, secs)

	if len(files) < 4000 || st.Vulnerabilities < 4000 || st.Vulnerabilities > len(files) {
		t.Errorf("%d records gave %d vulnerabilities, want thousands", len(files), st.Vulnerabilities)
	}
	if len(st.Providers) != 1 || st.Providers[0].Name != "govulndb" {
		t.Errorf("providers = %+v", st.Providers)
	}

	vp, _, err := Open(ctx, OpenOptions{Dir: out})
	if err != nil {
		t.Fatal(err)
	}
	defer vp.Close()
	vulns, err := vp.FindVulnerabilities(search.ByPackageName("golang.org/x/text"), search.ByID("GO-2022-1059"))
	if err != nil {
		t.Fatal(err)
	}
	if len(vulns) != 1 {
		t.Fatalf("GO-2022-1059 for golang.org/x/text: %d records", len(vulns))
	}
	v := vulns[0]
	var aliases []string
	for _, r := range v.RelatedVulnerabilities {
		aliases = append(aliases, r.ID)
	}
	if !slices.Contains(aliases, "CVE-2022-32149") || !slices.Equal(v.Fix.Versions, []string{"0.3.8"}) {
		t.Errorf("GO-2022-1059: aliases %v, fix %v", aliases, v.Fix.Versions)
	}
}
