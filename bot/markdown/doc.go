// Package markdown neutralises outside text before it is rendered into GitLab Markdown, so a scan report can carry data but never markup.
package markdown
