package dockerfile

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"gitlab.com/vigil-vm/vigil/bot/patch"
	"gitlab.com/vigil-vm/vigil/bot/patch/internal/containerfile"
)

// Extract finds each Dockerfile whose final stage builds on a registry
// image (not scratch, not another stage).
func (p *Patcher) Extract(_ context.Context, dir string, _ patch.Fix) (patch.Extracted, error) {
	files, err := patch.FindFiles(dir, containerfile.Globs...)
	if err != nil {
		return patch.Extracted{}, err
	}
	// None: the OS packages come from somewhere vigil cannot edit, and
	// the issues already say what to fix (Absent).
	var found patch.Extracted
	for _, rel := range files {
		df, _, err := containerfile.Read(dir, rel)
		if err != nil {
			return patch.Extracted{}, fmt.Errorf("update %s: %w", rel, err)
		}
		base := df.Final()
		if base.Line < 0 || base.StageRef || base.Image == "scratch" {
			continue
		}
		repo, tag, _ := containerfile.SplitRef(base.Image)
		found.Deps = append(found.Deps, patch.Dependency{Manifest: rel, Name: repo, Version: tag})
	}
	return found, nil
}

// Update moves the base image of each extracted Dockerfile to the newest
// tag of the same line and variant, once the Verifier confirms the
// candidate has fewer of the claimed findings. The fix's From and To are
// package versions and are not used: images are compared as images.
// Choosing the tag is scanning it, so the check happens here; there is no
// lock file for the artifacts step.
func (p *Patcher) Update(ctx context.Context, dir string, fix patch.Fix, deps []patch.Dependency) (patch.Result, error) {
	c := patch.Change{Files: map[string][]byte{}}
	var blocked []string
	for _, d := range deps {
		why, err := p.updateFile(ctx, dir, d.Manifest, fix, &c)
		if err != nil {
			return patch.Result{}, fmt.Errorf("update %s: %w", d.Manifest, err)
		}
		if why != "" {
			blocked = append(blocked, d.Manifest+": "+why)
		}
	}
	switch {
	case !c.Empty():
		return patch.Propose(c), nil
	case len(blocked) > 0:
		return patch.Block("%s", strings.Join(blocked, "; ")), nil
	}
	return patch.Result{Status: patch.Absent}, nil
}

// updateFile bumps one Dockerfile's base image into c, or says why not.
func (p *Patcher) updateFile(ctx context.Context, dir, rel string, fix patch.Fix, c *patch.Change) (string, error) {
	df, orig, err := containerfile.Read(dir, rel)
	if err != nil {
		return "", err
	}
	base := df.Final()
	repo, tag, digest := containerfile.SplitRef(base.Image)
	next, check, why, err := p.pick(ctx, repo, tag, base.Image, fix)
	if err != nil || next == "" {
		return why, err
	}
	newDigest := ""
	if p.opts.PinDigest || digest != "" {
		if newDigest, err = p.digest(ctx, repo, next); err != nil {
			return "", err
		}
	}
	if err := df.SetImage(base, containerfile.JoinRef(repo, next, newDigest)); err != nil {
		return "", err
	}
	if out := df.Bytes(); string(out) != string(orig) {
		c.Files[rel] = out
		c.Checks = append(c.Checks, rel+": "+check)
		c.Versions = append(c.Versions, patch.VersionChange{Manifest: rel, Name: repo, From: tag, To: next})
		c.Package, c.From, c.To = repo, tag, next
	}
	return "", nil
}

// pick chooses the newest newer tag of the same line and variant and has
// it verified. It returns "" and why when there is none to propose, or
// the tag and how it was checked.
func (p *Patcher) pick(ctx context.Context, repo, tag, current string, fix patch.Fix) (next, check, why string, err error) {
	if !Versioned(tag) {
		return "", "", fmt.Sprintf("`%s` uses a floating tag; rebuilding the image picks up the fixed packages once the base image has them", current), nil
	}
	r, err := p.opts.Registry.Repository(repo)
	if err != nil {
		return "", "", "", err
	}
	tags, err := remote.List(r, p.opts.Registry.Remote(ctx)...)
	if err != nil {
		return "", "", "", fmt.Errorf("list tags of %s: %w", repo, err)
	}
	cands := Candidates(tag, tags)
	if len(cands) == 0 {
		return "", "", fmt.Sprintf("`%s` has no newer tag of the %s line yet; vigil proposes one when it appears", repo, tag), nil
	}
	next = cands[0]
	cand := containerfile.JoinRef(repo, next, "")
	if p.opts.Verifier == nil {
		return next, fmt.Sprintf("`%s` → `%s`; the candidate was not scanned (no verifier configured)", current, cand), "", nil
	}
	before, after, err := p.opts.Verifier.Verify(ctx, current, cand, fix.Findings)
	if err != nil {
		return "", "", "", fmt.Errorf("verify %s: %w", cand, err)
	}
	p.opts.Logger.InfoContext(ctx, "verified base image", "current", current, "candidate", cand, "before", before, "after", after)
	if after >= before {
		// Said once per candidate: the counts stay out of the sentence, so a
		// rescan with one finding more or less does not say it again.
		return "", "", fmt.Sprintf("vigil scanned `%s`, the newest tag of the line, and it does not fix these findings yet; vigil proposes a tag once one does", cand), nil
	}
	return next, fmt.Sprintf("vigil scanned `%s`: the findings this merge request claims went from %d to %d", cand, before, after), "", nil
}

func (p *Patcher) digest(ctx context.Context, repo, tag string) (string, error) {
	ref, err := p.opts.Registry.Reference(repo + ":" + tag)
	if err != nil {
		return "", err
	}
	d, err := remote.Head(ref, p.opts.Registry.Remote(ctx)...)
	if err != nil {
		return "", fmt.Errorf("resolve digest of %s: %w", ref, err)
	}
	return d.Digest.String(), nil
}
