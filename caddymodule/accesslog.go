package caddymodule

import (
	"sort"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/keinetech/kaine/handlers"
)

// loggedKeyHeaders carry keys on the drop-in routes and are written in
// clear by Caddy's access log, which redacts only Authorization and
// cookies. The request is copied for the log before any handler runs, so
// only the log's encoder can drop them.
var loggedKeyHeaders = []string{"X-Api-Key", "X-Goog-Api-Key", handlers.BYOKHeader}

// warnAboutLoggedKeys warns once a config for each server that keeps an
// access log: whether the log's encoder filters the key headers cannot be
// seen from a module, so the warning says what to check.
func (a *App) warnAboutLoggedKeys() {
	app, err := a.ctx.AppIfConfigured("http")
	if err != nil {
		return
	}
	fields := make([]string, len(loggedKeyHeaders))
	for i, h := range loggedKeyHeaders {
		fields[i] = "request>headers>" + h
	}
	for _, server := range serversWithAccessLogs(app.(*caddyhttp.App)) {
		a.logger.Warn("this server's access log writes the key headers of Kaine's drop-in routes in clear "+
			"unless its log block has `format filter` deleting these fields (docs/operating.md: Access logs)",
			zap.String("server", server), zap.Strings("fields", fields))
	}
}

func serversWithAccessLogs(app *caddyhttp.App) []string {
	var names []string
	for name, srv := range app.Servers {
		if srv.Logs != nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}
