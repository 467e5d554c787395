// Package replicas tests and measures several `vigil bot` processes on one
// PostgreSQL behind a round-robin load balancer, against the GitLab double:
// the binary is built once and run as a user would run it.
package replicas
