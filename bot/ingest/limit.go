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

type announcedKey struct{}

// withAnnounced asks LimitTransport to store the Content-Length of the
// response to a request made with ctx in *n (-1 when none is announced).
func withAnnounced(ctx context.Context, n *int64) context.Context {
	return context.WithValue(ctx, announcedKey{}, n)
}

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
		if p, ok := req.Context().Value(announcedKey{}).(*int64); ok {
			*p = resp.ContentLength
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

// artifactBuffer is the one copy of an artifact in memory: a writer that
// takes at most max bytes. It is allocated once when the size was announced;
// otherwise it doubles up to growStep and then reserves the whole limit, so
// no large artifact is ever held twice while the buffer grows. Pages of the
// reservation that are never written take no RSS, unless the heap hands out
// memory it already holds (then RSS does not grow either).
type artifactBuffer struct {
	data      []byte
	max       int64
	announced int64 // set by LimitTransport before the first Write
}

const growStep = 1 << 20

func (b *artifactBuffer) Write(p []byte) (int, error) {
	need := int64(len(b.data)) + int64(len(p))
	if need > b.max {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, b.max)
	}
	if need > int64(cap(b.data)) {
		size := max(2*int64(cap(b.data)), need, 64<<10)
		switch {
		case b.data == nil && b.announced >= need:
			size = b.announced
		case size > growStep:
			size = b.max
		}
		grown := make([]byte, len(b.data), min(size, b.max))
		copy(grown, b.data)
		b.data = grown
	}
	b.data = append(b.data, p...)
	return len(p), nil
}
