package gitlabdouble

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxUploadBytes is GitLab's default maximum attachment size (100 MiB).
const maxUploadBytes = 100 << 20

// UploadedFile is a Markdown upload with its content, for tests to inspect.
type UploadedFile struct {
	ID        int
	Secret    string
	Filename  string
	Content   []byte
	CreatedAt time.Time
	By        int // user id
}

// URL is the project-relative path GitLab's Markdown links use.
func (u UploadedFile) URL() string { return "/uploads/" + u.Secret + "/" + u.Filename }

// Uploads returns a snapshot of the project's Markdown uploads, oldest first.
func (s *Server) Uploads(projectID int) []UploadedFile {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.mustProject(projectID)
	out := make([]UploadedFile, len(p.uploads))
	for i, u := range p.uploads {
		out[i] = *u
		out[i].Content = slices.Clone(u.Content)
	}
	return out
}

// uploadRoutes serves the project Markdown uploads API
// (https://docs.gitlab.com/api/project_markdown_uploads/).
func (s *Server) uploadRoutes() {
	s.route("POST /projects/:id/uploads", s.createUpload)
	s.route("GET /projects/:id/uploads", func(r *request) {
		p, ok := r.project(Maintainer)
		if !ok {
			return
		}
		out := make([]map[string]any, 0, len(p.uploads))
		for _, u := range slices.Backward(p.uploads) {
			out = append(out, map[string]any{
				"id": u.ID, "size": len(u.Content), "filename": u.Filename,
				"created_at": u.CreatedAt, "uploaded_by": s.userRef(u.By),
			})
		}
		r.json(http.StatusOK, paginate(r, out))
	})
	s.route("GET /projects/:id/uploads/:upload_id", func(r *request) {
		p, ok := r.project(Maintainer)
		if !ok {
			return
		}
		id, ok := r.intPath("upload_id", "")
		if !ok {
			return
		}
		r.sendUpload(p, func(u *UploadedFile) bool { return u.ID == id })
	})
	s.route("GET /projects/:id/uploads/:secret/:filename", func(r *request) {
		p, ok := r.project(Guest)
		if !ok {
			return
		}
		secret, name := r.r.PathValue("secret"), r.r.PathValue("filename")
		r.sendUpload(p, func(u *UploadedFile) bool { return u.Secret == secret && u.Filename == name })
	})
}

// createUpload stores the multipart field "file" and answers 201 with alt,
// url, full_path and markdown, as GitLab does. Any member who can see the
// project may upload (GitLab's upload_file ability).
func (s *Server) createUpload(r *request) {
	p, ok := r.project(Guest)
	if !ok {
		return
	}
	content, name, ok := r.uploadedFile()
	if !ok {
		return
	}
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	u := &UploadedFile{
		ID: s.ids.next(&s.ids.upload), Secret: hex.EncodeToString(secret), Filename: name,
		Content: content, CreatedAt: s.now(), By: r.user.ID,
	}
	p.uploads = append(p.uploads, u)
	alt := strings.TrimSuffix(name, path.Ext(name))
	markdown := "[" + alt + "](" + u.URL() + ")"
	if isImage(name) {
		markdown = "!" + markdown
	}
	r.json(http.StatusCreated, map[string]any{
		"id": u.ID, "alt": alt, "url": u.URL(),
		"full_path": "/-/project/" + strconv.Itoa(p.ID) + u.URL(), "markdown": markdown,
	})
}

// uploadedFile reads the multipart field "file"; the body was left unread
// by readParams for multipart requests.
func (r *request) uploadedFile() ([]byte, string, bool) {
	r.r.Body = http.MaxBytesReader(r.w, r.r.Body, maxUploadBytes+1<<20)
	f, hdr, err := r.r.FormFile("file")
	if err != nil {
		if err == http.ErrMissingFile || err == http.ErrNotMultipart {
			r.missing("file")
		} else {
			r.invalid("file")
		}
		return nil, "", false
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxUploadBytes+1))
	if err != nil {
		r.invalid("file")
		return nil, "", false
	}
	if len(content) > maxUploadBytes {
		r.fail(http.StatusRequestEntityTooLarge, "413 Request Entity Too Large")
		return nil, "", false
	}
	name := sanitizeFilename(hdr)
	if name == "" {
		r.invalid("file")
		return nil, "", false
	}
	return content, name, true
}

// sanitizeFilename keeps the base name and replaces what GitLab's
// CarrierWave sanitizer does not allow.
func sanitizeFilename(hdr *multipart.FileHeader) string {
	name := path.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
	if name == "." || name == "/" {
		return ""
	}
	return strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			return c
		}
		return '_'
	}, name)
}

func (r *request) sendUpload(p *projectState, match func(*UploadedFile) bool) {
	for _, u := range p.uploads {
		if match(u) {
			r.w.Header().Set("Content-Type", http.DetectContentType(u.Content))
			if strings.HasSuffix(u.Filename, ".svg") {
				r.w.Header().Set("Content-Type", "image/svg+xml")
			}
			r.w.Header().Set("Content-Disposition", `attachment; filename="`+u.Filename+`"`)
			r.w.WriteHeader(http.StatusOK)
			_, _ = r.w.Write(u.Content)
			return
		}
	}
	r.notFound("")
}

// isImage is GitLab's test for rendering an upload inline (![alt](url)).
func isImage(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tiff", ".ico", ".webp", ".svg":
		return true
	}
	return false
}
