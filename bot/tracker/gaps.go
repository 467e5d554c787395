package tracker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"gitlab.com/vigil-vm/vigil/bot/gitlabapi"
	"gitlab.com/vigil-vm/vigil/bot/inventory"
	"gitlab.com/vigil-vm/vigil/bot/ledger"
	"gitlab.com/vigil-vm/vigil/bot/markdown"
)

// maxGapRows caps the table of a coverage-gap issue; the rest is counted.
const maxGapRows = 200

// coverageClosing ends the note the bot closes a coverage-gap issue with;
// it names the list that was closed, so closing again after the gaps came
// back notes again.
func coverageClosing(hash string) string { return "<!-- vigil:coverage-closed " + hash + " -->" }

// TrackGaps keeps the project's one coverage-gap issue true to gaps (the
// images of the project no scan covers): opened (or adopted) when there
// are gaps, edited in place when they change, closed with a note when none
// is left, reopened when they come back. An unchanged list costs no write.
// unlisted names the sources that failed this time and whose gaps are
// shown as the last listing left them. rec is the ledger's record
// (ProjectID and Owner set, the rest zero for none); the caller holds the
// project's lock.
func (t *Tracker) TrackGaps(ctx context.Context, rec ledger.CoverageIssue, gaps []inventory.Gap, unlisted []string) error {
	if len(gaps) == 0 {
		return t.closeGaps(ctx, rec)
	}
	pol := t.policy(rec.Owner)
	pol.Confidential = true // where a project's images run is not for everyone
	d := t.renderGaps(rec.ProjectID, gaps, unlisted)
	if l := pol.Labels.CoverageGap; l != "" {
		d.Labels = []string{l}
	}
	if rec.IID != 0 && rec.State == stateOpened && rec.Hash == d.Hash {
		return nil
	}
	if rec.IID == 0 {
		is, err := t.adoptBy(ctx, rec.ProjectID, "vigil:coverage", func(desc string) bool { return t.markers.tracksCoverage(desc, rec.ProjectID) })
		if err != nil {
			return err
		}
		if is == nil {
			if rec.IID, err = t.create(ctx, rec.ProjectID, pol, d); err != nil {
				return err
			}
			t.log.Info("coverage-gap issue opened", "project", rec.Owner, "iid", rec.IID, "gaps", len(gaps))
			return t.putGaps(ctx, rec, stateOpened, d.Hash, gaps)
		}
		rec.IID = is.IID
		if is.State == stateOpened && is.Description == d.Description {
			return t.putGaps(ctx, rec, stateOpened, d.Hash, gaps)
		}
	}
	// "reopen" is a no-op on an open issue, and brings back one the bot
	// (or a person) closed while images are still uncovered.
	if err := t.edit(ctx, rec.ProjectID, rec.IID, pol, d, "reopen"); err != nil {
		return err
	}
	t.log.Info("coverage-gap issue updated", "project", rec.Owner, "iid", rec.IID, "gaps", len(gaps))
	return t.putGaps(ctx, rec, stateOpened, d.Hash, gaps)
}

// closeGaps closes the project's open coverage-gap issue: a note first
// (once, even across a crash before the close), then the close.
func (t *Tracker) closeGaps(ctx context.Context, rec ledger.CoverageIssue) error {
	if rec.IID == 0 || rec.State == stateClosed {
		return nil
	}
	body := "Every image of this project that vigil's inventory found is covered by a scan now, so this issue is closed. " +
		"It is reopened if an image runs or is stored that no scan covers."
	if err := t.noteOnce(ctx, rec.ProjectID, rec.IID, coverageClosing(rec.Hash), body); err != nil {
		return err
	}
	opt := &gitlab.UpdateIssueOptions{StateEvent: gitlab.Ptr("close")}
	if _, resp, err := t.gl.Issues.UpdateIssue(rec.ProjectID, rec.IID, opt, gitlab.WithContext(ctx)); err != nil {
		return gitlabapi.Wrap("close coverage-gap issue", resp, err)
	}
	t.log.Info("coverage-gap issue closed", "project", rec.Owner, "iid", rec.IID)
	return t.putGaps(ctx, rec, stateClosed, rec.Hash, nil)
}

func (t *Tracker) putGaps(ctx context.Context, rec ledger.CoverageIssue, state, hash string, gaps []inventory.Gap) error {
	rec.State, rec.Hash, rec.Gaps, rec.UpdatedAt = state, hash, gaps, t.now()
	return t.ledger.PutCoverageIssue(ctx, rec)
}

// renderGaps writes the issue: the bot's own words, and the gaps' image
// names, digests and places (text from registries and clusters) as
// neutralised code spans. Nothing in it changes from run to run unless the
// gaps do.
func (t *Tracker) renderGaps(projectID int64, gaps []inventory.Gap, unlisted []string) desired {
	digests := map[string]bool{}
	for _, g := range gaps {
		digests[g.Digest] = true
	}
	noun := "images"
	if len(digests) == 1 {
		noun = "image"
	}
	var b strings.Builder
	b.WriteString("vigil's inventory found images of this project that no scan covers. Unless continuous monitoring " +
		"catalogs them (the bot with --monitor-interval), their vulnerabilities are unknown, so no issue is opened and " +
		"no SLA runs for them; either way no pipeline checks them before they ship. Scan each one (for example with vigil's " +
		"scan component in the pipeline that builds it) or retire it. This issue is updated after every inventory and " +
		"closed when nothing is left.\n\n")
	b.WriteString("| Image | Digest | Where | Gap |\n|---|---|---|---|\n")
	for i, g := range gaps {
		if i == maxGapRows {
			fmt.Fprintf(&b, "\n_…and %d more._\n", len(gaps)-maxGapRows)
			break
		}
		where := "`" + markdown.Code(g.Where) + "`"
		if g.Where == "" {
			where = "stored in `" + markdown.Code(g.Source) + "`"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", markdown.Code(g.Image), markdown.Code(g.Digest), where, markdown.Inline(g.Reason))
	}
	if len(unlisted) > 0 {
		names := make([]string, len(unlisted))
		for i, u := range unlisted {
			names[i] = "`" + markdown.Code(u) + "`"
		}
		fmt.Fprintf(&b, "\n_Not listed by the last inventory, so shown as the last listing left them: %s._\n", strings.Join(names, ", "))
	}
	b.WriteString("\n" + t.markers.coverage(projectID) + "\n")
	desc := markdown.Truncate(b.String(), markdown.MaxText)
	sum := sha256.Sum256([]byte(desc))
	return desired{
		Title:       markdown.Title(fmt.Sprintf("Coverage gaps: %d %s that no scan covers", len(digests), noun)),
		Description: desc,
		Hash:        hex.EncodeToString(sum[:]),
	}
}

// coverage is the hidden line of a project's coverage-gap issue.
func (m markers) coverage(projectID int64) string {
	id := strconv.FormatInt(projectID, 10)
	return "<!-- vigil:coverage " + id + " " + m.mac("coverage", id) + " -->"
}

var coverageRe = regexp.MustCompile(`<!-- vigil:coverage ([0-9]+) ([0-9a-f]{32}) -->`)

// tracksCoverage reports whether a description carries the bot's marker of
// the project's coverage-gap issue.
func (m markers) tracksCoverage(description string, projectID int64) bool {
	id := strconv.FormatInt(projectID, 10)
	for _, sm := range coverageRe.FindAllStringSubmatch(description, -1) {
		if sm[1] == id && m.valid(sm[2], "coverage", id) {
			return true
		}
	}
	return false
}
