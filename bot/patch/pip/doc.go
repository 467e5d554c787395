// Package pip patches pinned (==) requirements in pip requirements files.
package pip
