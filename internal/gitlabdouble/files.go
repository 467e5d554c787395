package gitlabdouble

import (
	"cmp"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
)

// RepositoryFile is a file as GET /projects/:id/repository/files/:file_path shows it.
type RepositoryFile struct {
	FileName        string `json:"file_name"`
	FilePath        string `json:"file_path"`
	Size            int    `json:"size"`
	Encoding        string `json:"encoding"`
	Content         string `json:"content"`
	ContentSHA256   string `json:"content_sha256"`
	Ref             string `json:"ref"`
	BlobID          string `json:"blob_id"`
	CommitID        string `json:"commit_id"`
	LastCommitID    string `json:"last_commit_id"`
	ExecuteFilemode bool   `json:"execute_filemode"`
}

// TreeNode is an entry of GET /projects/:id/repository/tree.
type TreeNode struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Path string `json:"path"`
	Mode string `json:"mode"`
}

// blobID is git's object id for a blob with this content.
func blobID(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// lastCommit finds the newest commit reachable from head that changed file.
func (r *repository) lastCommit(head *commit, file string) string {
	c := head
	for len(c.ParentIDs) > 0 {
		parent := r.commits[c.ParentIDs[0]]
		before, had := parent.files[file]
		now, has := c.files[file]
		if had != has || string(before) != string(now) {
			return c.ID
		}
		c = parent
	}
	return c.ID
}

func (s *Server) fileRoutes() {
	s.route("GET /projects/:id/repository/files/:file_path", s.getFile)
	s.route("GET /projects/:id/repository/files/:file_path/raw", s.getRawFile)
	for _, w := range []struct {
		method, action string
		status         int
	}{{"POST", "create", http.StatusCreated}, {"PUT", "update", http.StatusOK}, {"DELETE", "delete", http.StatusNoContent}} {
		s.route(w.method+" /projects/:id/repository/files/:file_path", func(r *request) { s.writeFile(r, w.action, w.status) })
	}
	s.route("GET /projects/:id/repository/tree", s.listTree)
}

func (s *Server) getFile(r *request) {
	p, ok := r.codeProject()
	if !ok {
		return
	}
	ref, ok := r.params.str("ref")
	if !ok || ref == "" {
		r.missing("ref")
		return
	}
	c, fp, body, ok := fileAt(r, p, ref)
	if !ok {
		return
	}
	sum := sha256.Sum256(body)
	h := r.w.Header()
	h.Set("X-Gitlab-Blob-Id", blobID(body))
	h.Set("X-Gitlab-Commit-Id", c.ID)
	h.Set("X-Gitlab-Content-Sha256", hex.EncodeToString(sum[:]))
	h.Set("X-Gitlab-Encoding", "base64")
	h.Set("X-Gitlab-Execute-Filemode", "false")
	h.Set("X-Gitlab-File-Name", path.Base(fp))
	h.Set("X-Gitlab-File-Path", fp)
	h.Set("X-Gitlab-Last-Commit-Id", p.repo.lastCommit(c, fp))
	h.Set("X-Gitlab-Ref", ref)
	h.Set("X-Gitlab-Size", fmt.Sprint(len(body)))
	r.json(http.StatusOK, RepositoryFile{
		FileName: path.Base(fp), FilePath: fp, Size: len(body), Encoding: "base64",
		Content: base64.StdEncoding.EncodeToString(body), ContentSHA256: hex.EncodeToString(sum[:]),
		Ref: ref, BlobID: blobID(body), CommitID: c.ID, LastCommitID: p.repo.lastCommit(c, fp),
	})
}

// fileAt is the commit ref names and the request's file in it; false
// means the answer (404 File) is written.
func fileAt(r *request, p *projectState, ref string) (c *commit, fp string, body []byte, ok bool) {
	c = p.repo.resolve(ref)
	fp = r.r.PathValue("file_path")
	if c != nil {
		body, ok = c.files[fp]
	}
	if !ok {
		r.notFound("File")
	}
	return c, fp, body, ok
}

func (s *Server) getRawFile(r *request) {
	p, ok := r.codeProject()
	if !ok {
		return
	}
	ref := cmp.Or(r.params.get("ref"), p.DefaultBranch)
	c, fp, body, ok := fileAt(r, p, ref)
	if !ok {
		return
	}
	h := r.w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Gitlab-Blob-Id", blobID(body))
	h.Set("X-Gitlab-Commit-Id", c.ID)
	h.Set("X-Gitlab-File-Path", fp)
	h.Set("X-Gitlab-File-Name", path.Base(fp))
	h.Set("X-Gitlab-Ref", ref)
	h.Set("X-Gitlab-Size", fmt.Sprint(len(body)))
	r.w.WriteHeader(http.StatusOK)
	_, _ = r.w.Write(body)
}

func (s *Server) listTree(r *request) {
	p, ok := r.codeProject()
	if !ok {
		return
	}
	ref := cmp.Or(r.params.get("ref"), p.DefaultBranch)
	c := p.repo.resolve(ref)
	if c == nil {
		r.notFound("Tree")
		return
	}
	recursive, _, err := r.params.boolean("recursive")
	if err != nil {
		r.invalid("recursive")
		return
	}
	nodes, ok := tree(c.files, strings.Trim(r.params.get("path"), "/"), recursive)
	if !ok {
		r.notFound("Tree")
		return
	}
	r.json(http.StatusOK, paginate(r, nodes))
}

// tree lists the entries below dir: directories first then files, each by
// name, as Gitaly returns them; recursive lists every entry below dir in
// path order, as `git ls-tree -r -t` does.
func tree(files map[string][]byte, dir string, recursive bool) ([]TreeNode, bool) {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	dirs := map[string]bool{}
	var blobs []TreeNode
	found := dir == ""
	for _, fp := range sortedPaths(files) {
		if !strings.HasPrefix(fp, prefix) {
			continue
		}
		found = true
		rest := strings.TrimPrefix(fp, prefix)
		parts := strings.Split(rest, "/")
		for k := 1; k < len(parts); k++ {
			if !recursive && k > 1 {
				break
			}
			dirs[prefix+strings.Join(parts[:k], "/")] = true
		}
		if recursive || len(parts) == 1 {
			blobs = append(blobs, TreeNode{ID: blobID(files[fp]), Name: path.Base(fp), Type: "blob", Path: fp, Mode: "100644"})
		}
	}
	if !found {
		return nil, false
	}
	var trees []TreeNode
	for d := range dirs {
		trees = append(trees, TreeNode{ID: treeID(files, d), Name: path.Base(d), Type: "tree", Path: d, Mode: "040000"})
	}
	byPath := func(a, b TreeNode) int { return strings.Compare(a.Path, b.Path) }
	slices.SortFunc(trees, byPath)
	if recursive {
		all := append(trees, blobs...)
		slices.SortFunc(all, byPath)
		return all, true
	}
	return append(trees, blobs...), true
}

// treeID is a stable id for a directory, derived from what is below it.
func treeID(files map[string][]byte, dir string) string {
	h := sha1.New()
	for _, fp := range sortedPaths(files) {
		if strings.HasPrefix(fp, dir+"/") {
			fmt.Fprintf(h, "%s\x00%s\x00", fp, blobID(files[fp]))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeFile serves the single-file create, update and delete endpoints as a
// one-action commit, which is how GitLab implements them.
func (s *Server) writeFile(r *request, action string, status int) {
	p, ok := r.project(Developer)
	if !ok {
		return
	}
	branch, message := r.params.get("branch"), r.params.get("commit_message")
	switch {
	case branch == "":
		r.missing("branch")
		return
	case message == "":
		r.missing("commit_message")
		return
	}
	a := commitAction{Action: action, FilePath: r.r.PathValue("file_path"), Encoding: r.params.get("encoding"), LastCommitID: r.params.get("last_commit_id")}
	if action != "delete" {
		content, ok := r.params.str("content")
		if !ok {
			r.missing("content")
			return
		}
		a.Content = &content
	}
	if _, ok := s.commitActions(r, p, branch, message, []commitAction{a}); !ok {
		return
	}
	if status == http.StatusNoContent {
		r.w.WriteHeader(status)
		return
	}
	r.json(status, map[string]string{"file_path": a.FilePath, "branch": branch})
}
