package gitlabdouble

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
)

// Run serves a double on listen (loopback: the control API has no auth),
// seeded from the YAML file seedPath when it is not "", until ctx ends; it
// is the whole of the standalone command (cmd/gitlab-double).
func Run(ctx context.Context, listen, seedPath string, out io.Writer, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	s := New(WithLogger(logger), WithBaseURL("http://"+ln.Addr().String()))
	tokens := map[string]string{}
	if seedPath != "" {
		if tokens, err = s.LoadSeedFile(seedPath); err != nil {
			_ = ln.Close()
			return err
		}
	}
	fmt.Fprintf(out, "GitLab double %s at %s (API %s)\n", s.version, s.URL(), s.APIURL())
	names := make([]string, 0, len(tokens))
	for n := range tokens {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(out, "  token for %s: %s\n", n, tokens[n])
	}
	return s.Serve(ctx, ln)
}
