// Command kaine is the Kaine gateway: a custom Caddy v2 build with Caddy's
// standard modules plus Kaine's (the kaine app and handler, admin routes,
// and the users and keys subcommands). Run `kaine run` in a directory with a
// Caddyfile, or `kaine help` for everything else.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/keinetech/kaine/caddymodule"
)

func main() {
	caddycmd.Main()
}
