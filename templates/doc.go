// Package templates holds vigil's GitLab CI/CD components; its tests also
// check the other files people adopt vigil through: .gitlab-ci.yml, the
// Dockerfile and action.yml.
package templates
