// Package gitlabdouble is a stateful, in-memory stand-in for GitLab's REST API v4 that sends real-shaped webhooks, for tests and demos.
package gitlabdouble
