package postgrestest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"gitlab.com/vigil-vm/vigil/internal/postgres"
)

// Bin finds the directory of initdb and postgres: on PATH, or Debian's
// /usr/lib/postgresql/<version>/bin (the newest).
func Bin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		return "", errors.New("no initdb on PATH or under /usr/lib/postgresql (apt-get install postgresql), and " + EnvURL + " is unset")
	}
	sort.Strings(dirs)
	return filepath.Dir(dirs[len(dirs)-1]), nil
}

// startCluster initialises a cluster in a temporary directory and runs its
// server on a unix socket there, as the postgres user when this process is
// root (the server refuses to run as root). The server stops, and the
// directory goes, when this process ends.
func startCluster() (string, error) {
	bin, err := Bin()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "vigil-pg-")
	if err != nil {
		return "", err
	}
	cred, err := runAs(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("initdb: %v: %s", err, out)
	}
	// The shell stops the server and removes the directory when this
	// process dies (its parent-death signal is SIGTERM).
	script := `"$1/postgres" -D "$2/data" -k "$2" -c listen_addresses= -c fsync=off -c max_connections=400 -c shared_buffers=64MB >"$2/log" 2>&1 &
pid=$!
trap 'kill -INT $pid; wait $pid; rm -rf "$2"; exit 0' TERM INT
wait $pid`
	cmd := exec.Command("/bin/sh", "-c", script, "sh", bin, dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("start postgres: %w", err)
	}
	u := (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres", RawQuery: "host=" + url.QueryEscape(dir) + "&sslmode=disable"}).String()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		db, err := postgres.Open(ctx, u)
		cancel()
		if err == nil {
			db.Close()
			return u, nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			return "", fmt.Errorf("postgres did not start: %v: %s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runAs is the user the server runs as: this one, or postgres under root,
// who is then given dir.
func runAs(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	pg, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root and there is no postgres user to run the server as (the postgresql package creates it)")
	}
	uid, _ := strconv.Atoi(pg.Uid)
	gid, _ := strconv.Atoi(pg.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}
