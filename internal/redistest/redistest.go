// Package redistest starts a real redis-server for tests, the way its
// users start it: Debian's binary on a free loopback port, its files in a
// temp dir, the append-only file on. One server serves a whole test
// package (Main); tests keep apart by key prefix, not by server.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one running redis-server.
type Server struct {
	// Addr is host:port on loopback.
	Addr string
	dir  string
	cmd  *exec.Cmd
}

// Start runs redis-server in dir (created if missing) on a free loopback
// port and waits until it answers PING.
func Start(dir string) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, errors.New("redis-server is not installed: run .ci/install-deps (Debian's redis-server)")
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir}
	return s, s.start()
}

// start runs the server on s.Addr over s.dir's files, so a restart finds
// what the append-only file kept.
func (s *Server) start() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("redis dir: %w", err)
	}
	_, port, _ := net.SplitHostPort(s.Addr)
	s.cmd = exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1",
		"--dir", s.dir, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
		"--daemonize", "no", "--protected-mode", "yes", "--logfile", filepath.Join(s.dir, "redis.log"))
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	client := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := client.Ping(context.Background()).Err()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server on %s did not answer: %w\n%s", s.Addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop shuts the server down as its service manager would (SIGTERM: it
// writes out its append-only file and exits); Restart finds its data.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	s.cmd = nil
}

// Restart starts a stopped server again on the same port and files.
func (s *Server) Restart() error { return s.start() }

// URL is the server's address as the fleet setting takes it.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Main runs a test package's tests with one server, set in *server before
// they run, and stops it after: a package's TestMain calls
// os.Exit(redistest.Main(m, &server)). Without redis-server the tests are
// skipped, except in CI (CI set), where that is a failure.
func Main(m *testing.M, server **Server) int {
	if _, err := exec.LookPath("redis-server"); err != nil && os.Getenv("CI") == "" {
		fmt.Fprintln(os.Stderr, "redistest: redis-server is not installed (apt-get install redis-server); skipping these tests")
		return 0
	}
	dir, err := os.MkdirTemp("", "kaine-redis-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "redistest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	s, err := Start(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "redistest:", err)
		return 1
	}
	defer s.Stop()
	*server = s
	return m.Run()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
