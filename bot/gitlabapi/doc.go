// Package gitlabapi classifies GitLab's answers the same way for every part
// of the bot: which failures are worth another try and after how long
// (RetryError, RetryAfter, Transient), which are GitLab's final word
// (Permanent), and how an API error is wrapped (Wrap).
package gitlabapi
