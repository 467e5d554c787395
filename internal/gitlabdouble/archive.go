package gitlabdouble

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
)

// archive serves GET /projects/:id/repository/archive[.tar.gz]?sha=REF: a
// tar.gz whose top directory is <project>-<ref>-<sha>, as GitLab names it.
func (s *Server) archive(r *request) {
	p, ok := r.codeProject()
	if !ok {
		return
	}
	if f := r.params.get("format"); f != "" && f != "tar.gz" {
		r.notFound("File")
		return
	}
	ref := cmp.Or(r.params.get("sha"), p.DefaultBranch)
	c := p.repo.resolve(ref)
	if c == nil {
		r.notFound("File")
		return
	}
	top := fmt.Sprintf("%s-%s-%s", p.Path, strings.ReplaceAll(ref, "/", "-"), c.ID)
	var buf bytes.Buffer
	if err := writeTarGz(&buf, top, c); err != nil {
		r.fail(http.StatusInternalServerError, "500 Internal Server Error")
		return
	}
	h := r.w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.tar.gz"`, top))
	h.Set("Content-Transfer-Encoding", "binary")
	r.w.WriteHeader(http.StatusOK)
	_, _ = r.w.Write(buf.Bytes())
}

func writeTarGz(buf *bytes.Buffer, top string, c *commit) error {
	gz := gzip.NewWriter(buf)
	tw := tar.NewWriter(gz)
	dirs := map[string]bool{}
	mkdir := func(d string) error {
		if dirs[d] {
			return nil
		}
		dirs[d] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o775, ModTime: c.CreatedAt})
	}
	if err := mkdir(top); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	for _, fp := range sortedPaths(c.files) {
		parts := strings.Split(fp, "/")
		for k := 1; k < len(parts); k++ {
			if err := mkdir(top + "/" + strings.Join(parts[:k], "/")); err != nil {
				return fmt.Errorf("write archive: %w", err)
			}
		}
		body := c.files[fp]
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: top + "/" + fp, Mode: 0o664, Size: int64(len(body)), ModTime: c.CreatedAt}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write archive: %w", err)
		}
		if _, err := tw.Write(body); err != nil {
			return fmt.Errorf("write archive: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}
