package gitlabdouble

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestUploadsThroughClientGo(t *testing.T) {
	f := newFixture(t, nil)
	c := f.client.ProjectMarkdownUploads
	png := []byte("\x89PNG\r\n\x1a\n fake chart")
	up, resp, err := c.UploadProjectMarkdown(f.project.ID, bytes.NewReader(png), "open by severity.png")
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %v (status %d)", err, statusOf(resp))
	}
	secret, _, _ := strings.Cut(strings.TrimPrefix(up.URL, "/uploads/"), "/")
	if len(secret) != 32 || up.URL != "/uploads/"+secret+"/open_by_severity.png" {
		t.Errorf("url = %q, want /uploads/<32 hex>/open_by_severity.png", up.URL)
	}
	if up.Alt != "open_by_severity" || up.Markdown != "![open_by_severity]("+up.URL+")" {
		t.Errorf("alt %q, markdown %q", up.Alt, up.Markdown)
	}
	if want := "/-/project/" + strconv.Itoa(f.project.ID) + up.URL; up.FullPath != want {
		t.Errorf("full_path = %q, want %q", up.FullPath, want)
	}
	got, _, err := c.DownloadProjectMarkdownUploadBySecretAndFilename(f.project.ID, secret, "open_by_severity.png")
	if err != nil || !bytes.Equal(got, png) {
		t.Errorf("download by secret = %q, %v", got, err)
	}
	got, _, err = c.DownloadProjectMarkdownUploadByID(f.project.ID, up.ID)
	if err != nil || !bytes.Equal(got, png) {
		t.Errorf("download by id = %q, %v", got, err)
	}
	list, _, err := c.ListProjectMarkdownUploads(f.project.ID)
	if err != nil || len(list) != 1 || list[0].Filename != "open_by_severity.png" || list[0].Size != int64(len(png)) {
		t.Errorf("list = %+v, %v", list, err)
	}
	if ups := f.srv.Uploads(f.project.ID); len(ups) != 1 || ups[0].By != f.user.ID || !bytes.Equal(ups[0].Content, png) {
		t.Errorf("Uploads = %+v", ups)
	}

	// A text file is linked, not shown inline; a stranger cannot upload.
	doc, _, err := c.UploadProjectMarkdown(f.project.ID, strings.NewReader("a,b\n"), "numbers.csv")
	if err != nil || strings.HasPrefix(doc.Markdown, "!") {
		t.Errorf("csv upload markdown = %q, %v", doc.Markdown, err)
	}
	_, stranger := f.srv.AddUser("stranger", NoAccess)
	_, resp, _ = newClient(t, f.srv, stranger).ProjectMarkdownUploads.UploadProjectMarkdown(f.project.ID, bytes.NewReader(png), "x.png")
	if statusOf(resp) != http.StatusNotFound {
		t.Errorf("stranger upload status = %d, want 404", statusOf(resp))
	}
	if n := len(f.srv.Uploads(f.project.ID)); n != 2 {
		t.Errorf("%d uploads stored, want 2", n)
	}
}

func TestUploadWithoutFileIsRefused(t *testing.T) {
	f := newFixture(t, nil)
	req, _ := http.NewRequest(http.MethodPost, f.srv.APIURL()+"/projects/"+strconv.Itoa(f.project.ID)+"/uploads", strings.NewReader(`{}`))
	req.Header.Set("PRIVATE-TOKEN", f.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || len(f.srv.Uploads(f.project.ID)) != 0 {
		t.Errorf("status = %d, uploads %d; want 400 and none", resp.StatusCode, len(f.srv.Uploads(f.project.ID)))
	}
}
