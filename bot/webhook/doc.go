// Package webhook receives GitLab webhooks: it checks the secret, stores each delivery once and acknowledges at once.
package webhook
