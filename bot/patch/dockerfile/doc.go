// Package dockerfile patches Dockerfile base images: it moves a FROM line to
// the newest tag of the same line and variant once a scan of the candidate
// confirms the fix, and exports the FROM-line parser other patchers share.
package dockerfile
