// Package bot is the vigil webhook service: it turns scan findings into SLA-tracked GitLab issues.
package bot
