// Package tracker keeps one GitLab issue per finding group true to the ledger: create, edit, close, reopen, remind.
package tracker
