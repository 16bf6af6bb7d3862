package caddymodule

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
)

// The operator console has a listener of its own, on loopback by default,
// rather than a route on Caddy's admin endpoint: the admin endpoint's
// cross-site check refuses every request a browser sends without an Origin
// or Referer, so the console's address could not be typed into one.

const (
	defaultConsoleAddress = "localhost:2020"
	consoleOff            = "off"
)

// consoleAddress is where this config's console listens, "" when off.
func (a *App) consoleAddress() string {
	switch a.Console {
	case "":
		return defaultConsoleAddress
	case consoleOff:
		return ""
	}
	return a.Console
}

func validConsoleAddress(addr string) error {
	if addr == "" || addr == consoleOff {
		return nil
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("console %q must be off or host:port, like localhost:2020", addr)
	}
	return nil
}

// startConsole serves the console on its address until Stop. The listener
// comes from Caddy's pool, so a reload hands it over without a gap. A
// console that cannot listen is logged, not fatal: it is the operator's
// convenience, and the gateway serves without it.
func (a *App) startConsole() {
	addr := a.consoleAddress()
	if addr == "" {
		return
	}
	na, err := caddy.ParseNetworkAddressWithDefaults(addr, "tcp", 0)
	if err == nil {
		var ln any
		if ln, err = na.Listen(a.ctx, 0, net.ListenConfig{}); err == nil {
			a.consoleServer = &http.Server{Handler: onlyHost(addr, a.console), ReadHeaderTimeout: 10 * time.Second,
				ErrorLog: zap.NewStdLog(a.logger)}
			go a.consoleServer.Serve(ln.(net.Listener))
			a.logger.Info("operator console", zap.String("address", "http://"+addr+"/"))
			return
		}
	}
	a.logger.Error("the operator console could not listen; set console to another address, or off", zap.String("address", addr), zap.Error(err))
}

// stopConsole closes this config's console server; the listener stays
// open while a newer config uses it.
func (a *App) stopConsole() {
	if a.consoleServer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.consoleServer.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.logger.Warn("stopping the operator console", zap.Error(err))
	}
}

// onlyHost answers only requests that name the console's own address as
// their Host: a page elsewhere cannot reach it by DNS rebinding, as the
// admin endpoint guards itself.
func onlyHost(addr string, next http.Handler) http.Handler {
	host, port, _ := net.SplitHostPort(addr)
	allowed := map[string]bool{strings.ToLower(addr): true}
	if host == "localhost" || net.ParseIP(host).IsLoopback() {
		for _, h := range []string{"localhost", "127.0.0.1", "[::1]"} {
			allowed[h+":"+port] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !allowed[strings.ToLower(r.Host)] {
			http.Error(w, "host not allowed: "+r.Host, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
