package resolve

import (
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Options is the one remote.Option list of a registry source: credentials
// from keychain, the transport, and retries with backoff on 429 and 5xx
// (ggcr retries those status codes; the backoff is made explicit here so
// a rate-limited registry is asked again later, not hammered).
func Options(keychain authn.Keychain, transport http.RoundTripper) []remote.Option {
	opts := []remote.Option{
		remote.WithAuthFromKeychain(keychain),
		remote.WithRetryBackoff(remote.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.2, Steps: 4}),
		remote.WithRetryStatusCodes(http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout),
	}
	if transport != nil {
		opts = append(opts, remote.WithTransport(transport))
	}
	return opts
}
