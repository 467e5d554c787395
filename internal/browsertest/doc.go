// Package browsertest runs pages in a real headless Chromium for tests:
// navigate, evaluate a script, fill a form, take a screenshot.
package browsertest
