// Package templates holds vigil's GitLab CI/CD components (scan.yml,
// patch.yml, db-mirror.yml) and the tests that render and run them.
package templates
