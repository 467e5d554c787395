package gitlabdouble

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

var seedFiles = map[string][]byte{
	"go.mod":            []byte("module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/net v0.17.0\n"),
	"Dockerfile":        []byte("FROM golang:1.22 AS build\n"),
	"cmd/app/main.go":   []byte("package main\n"),
	"internal/x/x.go":   []byte("package x\n"),
	"internal/x/y/y.go": []byte("package y\n"),
	"docs/README.md":    []byte("# app\n"),
}

func TestBranches(t *testing.T) {
	f := newFixture(t, seedFiles)
	b, resp, err := f.client.Branches.CreateBranch(f.project.ID, &gitlab.CreateBranchOptions{Branch: gitlab.Ptr("vigil/patch-x-net"), Ref: gitlab.Ptr("main")})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create branch: %v", err)
	}
	if b.Name != "vigil/patch-x-net" || b.Commit.ID != f.srv.BranchHead(f.project.ID, "main") || b.Default {
		t.Errorf("branch %+v", b)
	}
	got, _, err := f.client.Branches.GetBranch(f.project.ID, "vigil/patch-x-net")
	if err != nil || got.Name != "vigil/patch-x-net" {
		t.Fatalf("get branch with a slash: %v", err)
	}
	if _, resp, _ := f.client.Branches.CreateBranch(f.project.ID, &gitlab.CreateBranchOptions{Branch: gitlab.Ptr("vigil/patch-x-net"), Ref: gitlab.Ptr("main")}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("duplicate branch status %d", statusOf(resp))
	}
	if _, resp, _ := f.client.Branches.CreateBranch(f.project.ID, &gitlab.CreateBranchOptions{Branch: gitlab.Ptr("x"), Ref: gitlab.Ptr("nope")}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("bad ref status %d", statusOf(resp))
	}
	list, _, err := f.client.Branches.ListBranches(f.project.ID, nil)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %v %d", err, len(list))
	}
	if resp, err := f.client.Branches.DeleteBranch(f.project.ID, "vigil/patch-x-net"); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %v", err)
	}
	if _, resp, _ := f.client.Branches.GetBranch(f.project.ID, "vigil/patch-x-net"); statusOf(resp) != http.StatusNotFound {
		t.Errorf("deleted branch status %d", statusOf(resp))
	}
}

func TestFilesAndTree(t *testing.T) {
	f := newFixture(t, seedFiles)
	file, _, err := f.client.RepositoryFiles.GetFile(f.project.ID, "cmd/app/main.go", &gitlab.GetFileOptions{Ref: gitlab.Ptr("main")})
	if err != nil {
		t.Fatal(err)
	}
	content, _ := base64.StdEncoding.DecodeString(file.Content)
	if string(content) != "package main\n" || file.FileName != "main.go" || file.Encoding != "base64" || file.Size != 13 || file.BlobID == "" {
		t.Errorf("file %+v", file)
	}
	raw, _, err := f.client.RepositoryFiles.GetRawFile(f.project.ID, "go.mod", &gitlab.GetRawFileOptions{Ref: gitlab.Ptr("main")})
	if err != nil || !bytes.Equal(raw, seedFiles["go.mod"]) {
		t.Errorf("raw: %v %q", err, raw)
	}
	if _, resp, _ := f.client.RepositoryFiles.GetFile(f.project.ID, "missing.txt", &gitlab.GetFileOptions{Ref: gitlab.Ptr("main")}); statusOf(resp) != http.StatusNotFound {
		t.Errorf("missing file status %d", statusOf(resp))
	}

	top, _, err := f.client.Repositories.ListTree(f.project.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range top {
		names = append(names, n.Type+":"+n.Name)
	}
	if want := []string{"tree:cmd", "tree:docs", "tree:internal", "blob:Dockerfile", "blob:go.mod"}; !slices.Equal(names, want) {
		t.Errorf("top tree = %v, want %v", names, want)
	}

	var paths []string
	opt := &gitlab.ListTreeOptions{Recursive: gitlab.Ptr(true), ListOptions: gitlab.ListOptions{PerPage: 4}}
	for {
		page, resp, err := f.client.Repositories.ListTree(f.project.ID, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range page {
			paths = append(paths, n.Path)
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	want := []string{"Dockerfile", "cmd", "cmd/app", "cmd/app/main.go", "docs", "docs/README.md", "go.mod", "internal", "internal/x", "internal/x/x.go", "internal/x/y", "internal/x/y/y.go"}
	if !slices.Equal(paths, want) {
		t.Errorf("recursive tree = %v", paths)
	}
	sub, _, err := f.client.Repositories.ListTree(f.project.ID, &gitlab.ListTreeOptions{Path: gitlab.Ptr("internal/x")})
	if err != nil || len(sub) != 2 || sub[0].Path != "internal/x/y" || sub[1].Path != "internal/x/x.go" {
		t.Errorf("subtree: %v %+v", err, sub)
	}
	if _, resp, _ := f.client.Repositories.ListTree(f.project.ID, &gitlab.ListTreeOptions{Path: gitlab.Ptr("nope")}); statusOf(resp) != http.StatusNotFound {
		t.Errorf("missing tree status %d", statusOf(resp))
	}
}

func TestArchive(t *testing.T) {
	f := newFixture(t, seedFiles)
	head := f.srv.BranchHead(f.project.ID, "main")
	b, _, err := f.client.Repositories.Archive(f.project.ID, &gitlab.ArchiveOptions{Format: gitlab.Ptr("tar.gz"), SHA: gitlab.Ptr("main")})
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h.Name, "app-main-"+head+"/") {
			t.Errorf("entry %q outside app-main-%s/", h.Name, head)
		}
		if h.Typeflag == tar.TypeReg {
			body, _ := io.ReadAll(tr)
			files[strings.TrimPrefix(h.Name, "app-main-"+head+"/")] = string(body)
		}
	}
	if len(files) != len(seedFiles) || files["internal/x/y/y.go"] != "package y\n" {
		t.Errorf("archive files %v", files)
	}
	if _, resp, _ := f.client.Repositories.Archive(f.project.ID, &gitlab.ArchiveOptions{Format: gitlab.Ptr("tar.gz"), SHA: gitlab.Ptr("nope")}); statusOf(resp) != http.StatusNotFound {
		t.Errorf("unknown ref status %d", statusOf(resp))
	}
}

func TestCommits(t *testing.T) {
	f := newFixture(t, seedFiles)
	act := func(a gitlab.FileActionValue, path, content string) *gitlab.CommitActionOptions {
		o := &gitlab.CommitActionOptions{Action: gitlab.Ptr(a), FilePath: gitlab.Ptr(path)}
		if content != "" {
			o.Content = gitlab.Ptr(content)
		}
		return o
	}
	c, resp, err := f.client.Commits.CreateCommit(f.project.ID, &gitlab.CreateCommitOptions{
		Branch: gitlab.Ptr("vigil/fix"), StartBranch: gitlab.Ptr("main"), CommitMessage: gitlab.Ptr("fix: bump x/net\n\nBody"),
		Actions: []*gitlab.CommitActionOptions{
			act(gitlab.FileUpdate, "go.mod", "module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/net v0.23.0\n"),
			act(gitlab.FileCreate, "NOTES.md", "notes\n"),
			act(gitlab.FileDelete, "docs/README.md", ""),
			{Action: gitlab.Ptr(gitlab.FileMove), FilePath: gitlab.Ptr("cmd/main.go"), PreviousPath: gitlab.Ptr("cmd/app/main.go")},
			{Action: gitlab.Ptr(gitlab.FileCreate), FilePath: gitlab.Ptr("bin.dat"), Content: gitlab.Ptr(base64.StdEncoding.EncodeToString([]byte{0, 1, 2})), Encoding: gitlab.Ptr("base64")},
		},
	})
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create commit: %v", err)
	}
	if c.Title != "fix: bump x/net" || len(c.ParentIDs) != 1 || c.ParentIDs[0] != f.srv.BranchHead(f.project.ID, "main") || c.AuthorName != "Vigil-bot" {
		t.Errorf("commit %+v", c)
	}
	files := f.srv.Files(f.project.ID, "vigil/fix")
	if !strings.Contains(string(files["go.mod"]), "v0.23.0") || string(files["NOTES.md"]) != "notes\n" || files["docs/README.md"] != nil ||
		string(files["cmd/main.go"]) != "package main\n" || files["cmd/app/main.go"] != nil || !bytes.Equal(files["bin.dat"], []byte{0, 1, 2}) {
		t.Errorf("files after commit: %v", files)
	}
	if main := f.srv.Files(f.project.ID, "main"); !strings.Contains(string(main["go.mod"]), "v0.17.0") {
		t.Error("commit to a new branch changed main")
	}
	got, _, err := f.client.Commits.GetCommit(f.project.ID, c.ID, nil)
	if err != nil || got.ID != c.ID {
		t.Fatalf("get commit: %v", err)
	}

	conflicts := []struct {
		name string
		opt  gitlab.CreateCommitOptions
		msg  string
	}{
		{"create existing file", gitlab.CreateCommitOptions{Branch: gitlab.Ptr("vigil/fix"), Actions: []*gitlab.CommitActionOptions{act(gitlab.FileCreate, "go.mod", "x")}}, "A file with this name already exists"},
		{"update missing file", gitlab.CreateCommitOptions{Branch: gitlab.Ptr("vigil/fix"), Actions: []*gitlab.CommitActionOptions{act(gitlab.FileUpdate, "nope.txt", "x")}}, "A file with this name doesn't exist"},
		{"delete missing file", gitlab.CreateCommitOptions{Branch: gitlab.Ptr("vigil/fix"), Actions: []*gitlab.CommitActionOptions{act(gitlab.FileDelete, "nope.txt", "")}}, "A file with this name doesn't exist"},
		{"start_branch onto existing branch", gitlab.CreateCommitOptions{Branch: gitlab.Ptr("vigil/fix"), StartBranch: gitlab.Ptr("main"), Actions: []*gitlab.CommitActionOptions{act(gitlab.FileCreate, "new", "x")}}, "A branch called 'vigil/fix' already exists. Switch to that branch in order to make changes"},
		{"missing branch without start_branch", gitlab.CreateCommitOptions{Branch: gitlab.Ptr("ghost"), Actions: []*gitlab.CommitActionOptions{act(gitlab.FileCreate, "new", "x")}}, "You can only create or edit files when you are on a branch"},
		{"stale last_commit_id", gitlab.CreateCommitOptions{Branch: gitlab.Ptr("vigil/fix"), Actions: []*gitlab.CommitActionOptions{{Action: gitlab.Ptr(gitlab.FileUpdate), FilePath: gitlab.Ptr("go.mod"), Content: gitlab.Ptr("x"), LastCommitID: gitlab.Ptr(c.ParentIDs[0])}}}, "You are attempting to update a file that has changed since you started editing it."},
	}
	for _, k := range conflicts {
		t.Run(k.name, func(t *testing.T) {
			k.opt.CommitMessage = gitlab.Ptr("m")
			before := f.srv.BranchHead(f.project.ID, "vigil/fix")
			_, resp, err := f.client.Commits.CreateCommit(f.project.ID, &k.opt)
			var er *gitlab.ErrorResponse
			if statusOf(resp) != http.StatusBadRequest || !asError(err, &er) || er.Message != "{message: "+k.msg+"}" {
				t.Errorf("status %d, err %v", statusOf(resp), err)
			}
			if f.srv.BranchHead(f.project.ID, "vigil/fix") != before {
				t.Error("rejected commit moved the branch")
			}
		})
	}
}

func TestSingleFileAPI(t *testing.T) {
	f := newFixture(t, seedFiles)
	rf := f.client.RepositoryFiles
	info, resp, err := rf.CreateFile(f.project.ID, "docs/NEW.md", &gitlab.CreateFileOptions{
		Branch: gitlab.Ptr("docs"), StartBranch: gitlab.Ptr("main"), Content: gitlab.Ptr("new\n"), CommitMessage: gitlab.Ptr("add"),
	})
	if err != nil || resp.StatusCode != http.StatusCreated || info.FilePath != "docs/NEW.md" || info.Branch != "docs" {
		t.Fatalf("create file: %v %+v", err, info)
	}
	if _, resp, _ := rf.CreateFile(f.project.ID, "docs/NEW.md", &gitlab.CreateFileOptions{
		Branch: gitlab.Ptr("docs"), Content: gitlab.Ptr("x"), CommitMessage: gitlab.Ptr("again"),
	}); statusOf(resp) != http.StatusBadRequest {
		t.Errorf("create existing file: status %d", statusOf(resp))
	}
	meta, _, err := rf.GetFileMetaData(f.project.ID, "docs/NEW.md", &gitlab.GetFileMetaDataOptions{Ref: gitlab.Ptr("docs")})
	if err != nil || meta.Size != 4 || meta.LastCommitID != f.srv.BranchHead(f.project.ID, "docs") || meta.FileName != "NEW.md" {
		t.Errorf("HEAD file metadata: %v %+v", err, meta)
	}
	if _, _, err := rf.UpdateFile(f.project.ID, "docs/NEW.md", &gitlab.UpdateFileOptions{
		Branch: gitlab.Ptr("docs"), Content: gitlab.Ptr("newer\n"), CommitMessage: gitlab.Ptr("edit"),
	}); err != nil {
		t.Fatalf("update file: %v", err)
	}
	if resp, err := rf.DeleteFile(f.project.ID, "docs/README.md", &gitlab.DeleteFileOptions{Branch: gitlab.Ptr("docs"), CommitMessage: gitlab.Ptr("rm")}); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete file: %v", err)
	}
	files := f.srv.Files(f.project.ID, "docs")
	if string(files["docs/NEW.md"]) != "newer\n" || files["docs/README.md"] != nil {
		t.Errorf("docs branch files: %q", files["docs/NEW.md"])
	}
}
