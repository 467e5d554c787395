// Package mr opens and keeps current the merge requests that apply the
// patchers' fixes to a GitLab project, through the API alone.
package mr
