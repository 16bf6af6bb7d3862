// Command kaine is a custom Caddy v2 build: Caddy's standard modules plus
// Kaine's gateway modules and CLI subcommands (users, keys).
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

func main() {
	caddycmd.Main()
}
