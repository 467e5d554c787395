package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// ErrTooLarge is returned when an artifact exceeds the size limit.
var ErrTooLarge = errors.New("artifact exceeds size limit")

type limitKey struct{}

// WithLimit bounds the size of response bodies fetched with ctx through a
// client whose transport is LimitTransport.
func WithLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, limitKey{}, n)
}

// LimitTransport enforces the limit WithLimit put in a request's context,
// before a body is read whole into memory.
func LimitTransport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		n, ok := req.Context().Value(limitKey{}).(int64)
		if !ok || n <= 0 || resp.StatusCode >= 300 {
			return resp, nil
		}
		if resp.ContentLength > n {
			resp.Body.Close()
			return nil, fmt.Errorf("%w: %d bytes announced, limit %d", ErrTooLarge, resp.ContentLength, n)
		}
		resp.Body = &limitedBody{r: resp.Body, left: n}
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type limitedBody struct {
	r    io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, fmt.Errorf("%w", ErrTooLarge)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.r.Close() }
