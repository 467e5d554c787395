package gitlabdouble

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
)

// Run parses flags, seeds a double and serves it until ctx ends; it is the
// whole of the standalone command, so any CLI can mount it in one line.
//
//	-listen 127.0.0.1:8929   address to serve on (loopback: the control API has no auth)
//	-seed   seed.yaml        users, projects, files, labels and hooks to start with
func Run(ctx context.Context, args []string, out io.Writer, logger *slog.Logger) error {
	fs := flag.NewFlagSet("gitlab-double", flag.ContinueOnError)
	fs.SetOutput(out)
	listen := fs.String("listen", "127.0.0.1:8929", "address to serve on")
	seedPath := fs.String("seed", "", "YAML seed file")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("parse flags: %w", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	s := New(WithLogger(logger), WithBaseURL("http://"+ln.Addr().String()))
	tokens := map[string]string{}
	if *seedPath != "" {
		if tokens, err = s.LoadSeedFile(*seedPath); err != nil {
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
