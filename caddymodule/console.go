package caddymodule

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
)

// The operator console has a listener of its own, on loopback, rather
// than a route on Caddy's admin endpoint: the admin endpoint's cross-site
// check refuses every request a browser sends without an Origin or
// Referer, so the console's address could not be typed into one. It is off
// unless the operator names its address.

// consoleOff turns the console off, as leaving it out does.
const consoleOff = "off"

// consoleAddress is where this config's console listens, "" when off.
func (a *App) consoleAddress() string {
	if a.Console == consoleOff {
		return ""
	}
	return a.Console
}

// validConsoleAddress accepts off or a loopback host:port: the console
// has no sign-in of its own, so what can reach it can act as the operator.
func validConsoleAddress(addr string) error {
	if addr == "" || addr == consoleOff {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	if err != nil || port == "" || host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("console %q must be off or a loopback host:port, like localhost:2020 (it has no sign-in: reach it from elsewhere through an SSH tunnel)", addr)
	}
	return nil
}

// consoles are the console listeners by address, shared by the configs
// that serve on one: a reload hands the listener to the new config's
// pages without closing it.
var consoles = caddy.NewUsagePool()

// consoleServer serves whichever config's console is current.
type consoleServer struct {
	srv     *http.Server
	handler atomic.Pointer[http.Handler]
}

// openConsole listens on addr. It is a plain listener, not Caddy's shared
// one: a port another server holds must fail here, never be split with it.
func openConsole(addr string, logger *zap.Logger) (*consoleServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &consoleServer{}
	c.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, ErrorLog: zap.NewStdLog(logger),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := c.handler.Load()
			if h == nil {
				http.Error(w, "the console is stopping", http.StatusServiceUnavailable)
				return
			}
			(*h).ServeHTTP(w, r)
		})}
	go c.srv.Serve(ln)
	return c, nil
}

// Destruct closes the console when no config uses its address any more.
func (c *consoleServer) Destruct() error { return c.srv.Close() }

// startConsole makes this config's pages the console's. A console that
// cannot listen is logged, not fatal: it is the operator's convenience.
func (a *App) startConsole() {
	addr := a.consoleAddress()
	if addr == "" {
		return
	}
	val, _, err := consoles.LoadOrNew(addr, func() (caddy.Destructor, error) { return openConsole(addr, a.logger) })
	if err != nil {
		a.logger.Error("the operator console could not listen; set console to another address, or off", zap.String("address", addr), zap.Error(err))
		return
	}
	c := val.(*consoleServer)
	h := onlyHost(addr, a.console)
	a.consoleServer, a.consoleHandler = c, &h
	a.consolePrevious = c.handler.Swap(&h)
	a.logger.Info("operator console", zap.String("address", "http://"+addr+"/"))
}

// stopConsole gives the console back to the config before this one when
// this one is stopped without a successor (a reload rolled back), and
// releases the listener.
func (a *App) stopConsole() {
	if a.consoleServer == nil {
		return
	}
	a.consoleServer.handler.CompareAndSwap(a.consoleHandler, a.consolePrevious)
	if _, err := consoles.Delete(a.consoleAddress()); err != nil {
		a.logger.Warn("closing the operator console", zap.Error(err))
	}
	a.consoleServer = nil
}

// onlyHost answers only requests that name the console's own address as
// their Host: a page elsewhere cannot reach it by DNS rebinding, as the
// admin endpoint guards itself.
func onlyHost(addr string, next http.Handler) http.Handler {
	_, port, _ := net.SplitHostPort(addr)
	allowed := map[string]bool{strings.ToLower(addr): true}
	for _, h := range []string{"localhost", "127.0.0.1", "[::1]"} {
		allowed[h+":"+port] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowed[strings.ToLower(r.Host)] {
			http.Error(w, "host not allowed: "+r.Host, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
