// Package npm patches npm dependencies: direct ones in package.json,
// transitive ones through overrides, and package-lock.json with the real npm.
package npm
