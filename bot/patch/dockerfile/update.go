package dockerfile

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/vigil-vm/vigil/bot/patch"
)

// Update moves the base image of each Dockerfile's final stage to the
// newest tag of the same line and variant, once the Verifier confirms the
// candidate has fewer of the claimed findings.
func (p *Patcher) Update(ctx context.Context, dir string, fix patch.Fix) (patch.Change, error) {
	files, err := patch.FindFiles(dir, IsDockerfile)
	if err != nil {
		return patch.Change{}, err
	}
	c := patch.Change{Files: map[string][]byte{}}
	var reasons []string
	for _, rel := range files {
		df, orig, err := read(dir, rel)
		if err != nil {
			return patch.Change{}, err
		}
		base := df.final()
		if base.Line < 0 || base.StageRef || base.Image == "scratch" {
			continue
		}
		repo, tag, digest := SplitRef(base.Image)
		next, note, err := p.pick(ctx, repo, tag, base.Image, fix)
		if err != nil {
			return patch.Change{}, fmt.Errorf("update %s: %w", rel, err)
		}
		if next == "" {
			reasons = append(reasons, rel+": "+note)
			continue
		}
		newDigest := ""
		if p.opts.PinDigest || digest != "" {
			if newDigest, err = p.digest(ctx, repo, next); err != nil {
				return patch.Change{}, fmt.Errorf("update %s: %w", rel, err)
			}
		}
		if err := df.SetImage(base, JoinRef(repo, next, newDigest)); err != nil {
			return patch.Change{}, fmt.Errorf("update %s: %w", rel, err)
		}
		if out := df.Bytes(); string(out) != string(orig) {
			c.Files[rel] = out
			c.Notes = append(c.Notes, rel+": "+note)
			c.Package, c.From, c.To = repo, tag, next
		}
	}
	if c.Empty() {
		if len(reasons) == 0 {
			reasons = append(reasons, "no Dockerfile with a base image")
		}
		return patch.Change{Skipped: strings.Join(reasons, "; ")}, nil
	}
	return c, nil
}

// pick chooses the newest newer tag of the same line and variant and has
// it verified. It returns "" and why when there is none to propose.
func (p *Patcher) pick(ctx context.Context, repo, tag, current string, fix patch.Fix) (string, string, error) {
	if tagShape(tokenRE.FindAllString(tag, -1)) < 0 {
		return "", fmt.Sprintf("%s uses a floating tag; rebuilding the image picks up the fixed packages", current), nil
	}
	r, err := name.NewRepository(repo, p.opts.NameOptions...)
	if err != nil {
		return "", "", fmt.Errorf("parse repository %s: %w", repo, err)
	}
	tags, err := remote.List(r, append([]remote.Option{remote.WithContext(ctx)}, p.opts.Remote...)...)
	if err != nil {
		return "", "", fmt.Errorf("list tags of %s: %w", repo, err)
	}
	cands := Candidates(tag, tags)
	if len(cands) == 0 {
		return "", fmt.Sprintf("%s has no newer tag of the %s line", repo, tag), nil
	}
	next := cands[0]
	if p.opts.Verifier == nil {
		return next, fmt.Sprintf("%s → %s (candidate not scanned)", current, JoinRef(repo, next, "")), nil
	}
	cand := JoinRef(repo, next, "")
	before, after, err := p.opts.Verifier.Verify(ctx, current, cand, fix.Findings)
	if err != nil {
		return "", "", fmt.Errorf("verify %s: %w", cand, err)
	}
	p.opts.Logger.InfoContext(ctx, "verified base image", "current", current, "candidate", cand, "before", before, "after", after)
	if after >= before {
		return "", fmt.Sprintf("vigil scanned %s: it still has %d of the %d findings (before: %d), so it is not proposed", cand, after, len(fix.Findings), before), nil
	}
	return next, fmt.Sprintf("vigil scanned %s: findings fixed by this change %d → %d", cand, before, after), nil
}

func (p *Patcher) digest(ctx context.Context, repo, tag string) (string, error) {
	ref, err := name.NewTag(repo+":"+tag, p.opts.NameOptions...)
	if err != nil {
		return "", fmt.Errorf("parse %s:%s: %w", repo, tag, err)
	}
	d, err := remote.Head(ref, append([]remote.Option{remote.WithContext(ctx)}, p.opts.Remote...)...)
	if err != nil {
		return "", fmt.Errorf("resolve digest of %s: %w", ref, err)
	}
	return d.Digest.String(), nil
}
