package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// redisServer is Debian's redis-server on loopback, for the fleet scenario:
// started by this process, so it shares the generator's CPUs, not the
// gateway's, as a fleet's Redis runs on a machine of its own.
type redisServer struct {
	addr string
	cmd  *exec.Cmd
}

// startRedis runs redis-server with its files in dir, the append-only file
// on as a fleet would run it, and waits until it answers PING.
func startRedis(ctx context.Context, dir string) (*redisServer, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("-fleet needs redis-server (apt-get install redis-server): %w", err)
	}
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))}
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(ports[0]), "--bind", "127.0.0.1", "--dir", dir,
		"--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--logfile", filepath.Join(dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting redis-server: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for ctx.Err() == nil {
		if r.ping() == nil {
			return r, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.stop()
	return nil, fmt.Errorf("redis-server on %s did not answer within %s", r.addr, startTimeout)
}

// ping sends PING in the Redis protocol and expects +PONG.
func (r *redisServer) ping() error {
	conn, err := net.DialTimeout("tcp", r.addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// stop shuts the server down as its service manager would.
func (r *redisServer) stop() {
	r.cmd.Process.Signal(syscall.SIGTERM)
	r.cmd.Wait()
}

// fleetSettings is the fleet gateway's kaine block addition.
func (r *redisServer) fleetSettings() string {
	return fmt.Sprintf("fleet {\n\t\t\tredis redis://%s/0\n\t\t}", r.addr)
}
