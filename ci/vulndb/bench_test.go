package vulndb

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkBuildGoVulnDB builds the whole pinned Go vulnerability database.
func BenchmarkBuildGoVulnDB(b *testing.B) {
	ctx := context.Background()
	osv, err := GoVulnDB(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out := b.TempDir()
		start := time.Now()
		if _, err := Build(ctx, BuildConfig{OSVDirs: []string{osv}, Out: out}, nil); err != nil {
			b.Fatal(err)
		}
		secs := time.Since(start).Seconds()
		info, err := os.Stat(filepath.Join(out, "6", "vulnerability.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(secs, "s/build")
		b.ReportMetric(float64(info.Size())/1e6, "MB")
		b.Logf("built the Go vulndb in %.1f s, %.1f MB", secs, float64(info.Size())/1e6)
	}
}
