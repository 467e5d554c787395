package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/markdown"
	"gitlab.com/vigil-vm/vigil/bot/readout"
)

// readoutLabel marks the bot's read-out issues, so one search lists them.
const readoutLabel = "vigil::read-out"

// maxReadoutBody keeps the description under GitLab's limit (1,000,000
// characters) with room for the link to the previous read-out.
const maxReadoutBody = 900_000

// PostReadout asks for the read-out check now, besides the periodic one.
func (s *Service) PostReadout(ctx context.Context) error { return s.queue.EnqueueReadout(ctx) }

// postReadout is the read-out job: it posts the latest due period's
// read-out issue in the VM team's project unless the ledger says it is
// posted. A crash between creating the issue and recording it is mended
// by finding the bot's own issue of that title before creating another.
func (s *Service) postReadout(ctx context.Context) error {
	p := s.cfg.dueReadout(s.now())
	if _, err := s.ledger.Readouts().Posted(ctx, p.Key()); !errors.Is(err, ledger.ErrNotFound) {
		return err // nil: posted already
	}
	project, resp, err := s.gl.Projects.GetProject(s.cfg.ReadoutProject, nil, gitlab.WithContext(ctx))
	if err != nil {
		return gitlabapi.Wrap("read the read-out project "+s.cfg.ReadoutProject, resp, err)
	}
	issue, err := s.findReadoutIssue(ctx, project.ID, p.Title())
	if err != nil {
		return err
	}
	if issue == nil {
		if issue, err = s.createReadoutIssue(ctx, project.ID, p); err != nil {
			return err
		}
		s.log.Info("read-out posted", "period", p.Key(), "project", project.PathWithNamespace, "issue", issue.IID)
	}
	return s.ledger.Readouts().Record(ctx, ledger.Readout{
		Period: p.Key(), ProjectID: project.ID, IssueIID: issue.IID, WebURL: issue.WebURL, PostedAt: s.now(),
	})
}

// findReadoutIssue finds the bot's own read-out issue of this title, so a
// retried job adopts what a crashed one created.
func (s *Service) findReadoutIssue(ctx context.Context, projectID int64, title string) (*gitlab.Issue, error) {
	u, resp, err := s.gl.Users.CurrentUser(gitlab.WithContext(ctx))
	if err != nil {
		return nil, gitlabapi.Wrap("read the bot's own user", resp, err)
	}
	issues, resp, err := s.gl.Issues.ListProjectIssues(projectID, &gitlab.ListProjectIssuesOptions{
		Search: gitlab.Ptr(title), In: gitlab.Ptr("title"), AuthorID: gitlab.Ptr(u.ID),
		Labels: &gitlab.LabelOptions{readoutLabel},
	}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, gitlabapi.Wrap("look for the read-out issue", resp, err)
	}
	for _, i := range issues {
		if i.Title == title && i.Author != nil && i.Author.ID == u.ID {
			return i, nil
		}
	}
	return nil, nil
}

// createReadoutIssue computes the period's read-out from the ledger's
// history, uploads its charts and opens the issue that shows them with the
// numbers, linking the previous read-out.
func (s *Service) createReadoutIssue(ctx context.Context, projectID int64, p readoutPeriod) (*gitlab.Issue, error) {
	coverage, err := readout.CoverageFrom(ctx, s.ledger, "", dashboardCoverageWindow, p.End)
	if err != nil {
		return nil, err
	}
	ro, err := readout.FromLedger(ctx, s.ledger, readout.Options{Since: p.Start, Until: p.End, Coverage: coverage})
	if err != nil {
		return nil, fmt.Errorf("compute the read-out of %s: %w", p.Key(), err)
	}
	charts, err := readout.Charts(ro)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	switch prev, err := s.ledger.Readouts().Before(ctx, p.Key()); {
	case err == nil:
		fmt.Fprintf(&b, "Previous read-out: [#%d](%s)\n\n", prev.IssueIID, prev.WebURL)
	case errors.Is(err, ledger.ErrNotFound):
		b.WriteString("This is the first read-out.\n\n")
	default:
		return nil, err
	}
	images := map[string]string{}
	for _, c := range charts {
		up, resp, err := s.gl.ProjectMarkdownUploads.UploadProjectMarkdown(projectID, bytes.NewReader(c.SVG), c.Name+".svg", gitlab.WithContext(ctx))
		if err != nil {
			return nil, gitlabapi.Wrap("upload chart "+c.Name, resp, err)
		}
		images[c.Name] = up.URL
	}
	var numbers strings.Builder
	if err := readout.RenderMarkdown(&numbers, ro, images); err != nil {
		return nil, err
	}
	b.WriteString(markdown.Truncate(numbers.String(), maxReadoutBody))
	issue, resp, err := s.gl.Issues.CreateIssue(projectID, &gitlab.CreateIssueOptions{
		Title: gitlab.Ptr(p.Title()), Description: gitlab.Ptr(b.String()),
		Labels: &gitlab.LabelOptions{readoutLabel}, Confidential: gitlab.Ptr(true),
	}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, gitlabapi.Wrap("open the read-out issue", resp, err)
	}
	return issue, nil
}
