package caddymodule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "users",
		Short: "Manages Kaine user accounts on a running gateway",
		Long: `Manages Kaine user accounts through the admin API of a running gateway.

  kaine users add --username U --email E --tier T
  kaine users list
  kaine users tier --user U --tier T
  kaine users login-link --user U
  kaine users signout --user U

A login link signs the user in to the dashboard once, within 15 minutes;
signout ends every dashboard session of the user and voids unused links.`,
		CobraFunc: func(c *cobra.Command) {
			c.AddCommand(adminCommand("add", "Creates a user", cmdUsersAdd, "username", "email", "tier"))
			c.AddCommand(adminCommand("list", "Lists users", cmdUsersList))
			c.AddCommand(adminCommand("tier", "Moves a user to another tier", cmdUsersTier, "user", "tier"))
			c.AddCommand(adminCommand("login-link", "Prints a one-time dashboard sign-in link for a user", cmdUsersLoginLink, "user"))
			c.AddCommand(adminCommand("signout", "Ends a user's dashboard sessions and voids their sign-in links", cmdUsersSignout, "user"))
		},
	})
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "audit",
		Short: "Checks Kaine audit logs on a running gateway",
		Long: `Checks a user's audit log through the admin API of a running gateway.

  kaine audit verify --user U [--since 2026-11-01T00:00:00Z]

Each account's records form a hash chain; verify recomputes it over the
range and names the first record that does not fit. It exits 1 when the
chain is broken. Keep the last_hash it prints: a later verify whose chain
no longer holds that record's hash shows the log was rewritten.`,
		CobraFunc: func(c *cobra.Command) {
			c.AddCommand(adminCommand("verify", "Recomputes a user's audit hash chain and names the first record that does not fit", cmdAuditVerify, "user", "since"))
		},
	})
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "keys",
		Short: "Manages Kaine API keys on a running gateway",
		Long: `Manages Kaine API keys through the admin API of a running gateway.

  kaine keys create --user U --scopes read,write [--name N]
  kaine keys list [--user U]
  kaine keys revoke ID

A created key is printed once and never shown again: store it safely.`,
		CobraFunc: func(c *cobra.Command) {
			c.AddCommand(adminCommand("create", "Creates an API key and prints it once", cmdKeysCreate, "user", "scopes", "name"))
			c.AddCommand(adminCommand("list", "Lists API keys (never their secrets)", cmdKeysList, "user"))
			revoke := adminCommand("revoke ID", "Revokes an API key at once", cmdKeysRevoke)
			revoke.Args = cobra.ExactArgs(1)
			c.AddCommand(revoke)
		},
	})
}

var flagHelp = map[string]string{
	"username": "the new user's name: letters, digits, '.', '_' or '-'",
	"email":    "the user's email address",
	"tier":     "a configured tier, such as starter, pro, agency or developer",
	"user":     "a username or user ID",
	"scopes":   "comma-separated scopes: read, write or read,write",
	"name":     "a label for the key",
	"since":    "the start of the range, an RFC 3339 time (default: the oldest record)",
}

// adminCommand makes a subcommand that talks to the admin API. Every one
// takes --address (the admin endpoint) and --config/--adapter (to find it in
// a config file, as `kaine reload` does).
func adminCommand(use, short string, run func(adminClient, caddycmd.Flags, []string) error, flags ...string) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs}
	cmd.Flags().String("address", "", "the admin API address (default: from the config, else localhost:2019)")
	cmd.Flags().StringP("config", "c", "", "a config file to read the admin address from")
	cmd.Flags().StringP("adapter", "a", "", "the adapter of that config file")
	for _, f := range flags {
		cmd.Flags().String(f, "", flagHelp[f])
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		fl := caddycmd.Flags{FlagSet: c.Flags()}
		addr, err := caddycmd.DetermineAdminAPIAddress(fl.String("address"), nil, fl.String("config"), fl.String("adapter"))
		if err != nil {
			return fmt.Errorf("finding the admin API: %w", err)
		}
		c.SilenceUsage = true
		return run(adminClient{addr: addr}, fl, args)
	}
	return cmd
}

// adminClient calls the /kaine/ admin routes.
type adminClient struct{ addr string }

// do sends body (if any) and decodes the answer into out. An error answer
// becomes an error holding just the admin API's message.
func (c adminClient) do(method, uri string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	resp, err := caddycmd.AdminAPIRequest(c.addr, method, uri, nil, rd)
	if err != nil {
		return adminMessage(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("reading the admin API's answer: %w", err)
	}
	return nil
}

// adminMessage pulls the admin API's {"error": …} message out of the error
// caddycmd builds ("caddy responded with error: HTTP 400: {…}").
func adminMessage(err error) error {
	text := err.Error()
	if i := strings.Index(text, "{"); i >= 0 {
		var body struct {
			Error string `json:"error"`
		}
		if json.Unmarshal([]byte(text[i:]), &body) == nil && body.Error != "" {
			return fmt.Errorf("%s", body.Error)
		}
	}
	return err
}

func required(fl caddycmd.Flags, names ...string) error {
	for _, n := range names {
		if fl.String(n) == "" {
			return fmt.Errorf("--%s is required", n)
		}
	}
	return nil
}

// userID resolves --user, a username or a numeric ID, to an ID.
func (c adminClient) userID(user string) (uint64, error) {
	if id, err := strconv.ParseUint(user, 10, 64); err == nil {
		return id, nil
	}
	var list struct {
		Users []struct {
			ID       uint64 `json:"user_id"`
			Username string `json:"username"`
		} `json:"users"`
	}
	if err := c.do(http.MethodGet, "/kaine/users", nil, &list); err != nil {
		return 0, err
	}
	for _, u := range list.Users {
		if u.Username == user {
			return u.ID, nil
		}
	}
	return 0, fmt.Errorf("user %q not found", user)
}

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdUsersAdd(c adminClient, fl caddycmd.Flags, _ []string) error {
	if err := required(fl, "username", "email", "tier"); err != nil {
		return err
	}
	var out map[string]any
	body := map[string]string{"username": fl.String("username"), "email": fl.String("email"), "tier": fl.String("tier")}
	if err := c.do(http.MethodPost, "/kaine/users", body, &out); err != nil {
		return err
	}
	return printJSON(out)
}

func cmdUsersList(c adminClient, _ caddycmd.Flags, _ []string) error {
	var out map[string]any
	if err := c.do(http.MethodGet, "/kaine/users", nil, &out); err != nil {
		return err
	}
	return printJSON(out)
}

func cmdUsersTier(c adminClient, fl caddycmd.Flags, _ []string) error {
	if err := required(fl, "user", "tier"); err != nil {
		return err
	}
	id, err := c.userID(fl.String("user"))
	if err != nil {
		return err
	}
	var out map[string]any
	if err := c.do(http.MethodPatch, "/kaine/users/"+strconv.FormatUint(id, 10), map[string]string{"tier": fl.String("tier")}, &out); err != nil {
		return err
	}
	return printJSON(out)
}

func cmdKeysCreate(c adminClient, fl caddycmd.Flags, _ []string) error {
	if err := required(fl, "user", "scopes"); err != nil {
		return err
	}
	body := map[string]any{"scopes": strings.Split(fl.String("scopes"), ","), "name": fl.String("name")}
	if id, err := strconv.ParseUint(fl.String("user"), 10, 64); err == nil {
		body["user_id"] = id
	} else {
		body["username"] = fl.String("user")
	}
	var out map[string]any
	if err := c.do(http.MethodPost, "/kaine/keys", body, &out); err != nil {
		return err
	}
	return printJSON(out)
}

func cmdKeysList(c adminClient, fl caddycmd.Flags, _ []string) error {
	uri := "/kaine/keys"
	if user := fl.String("user"); user != "" {
		id, err := c.userID(user)
		if err != nil {
			return err
		}
		uri += "?" + url.Values{"user_id": {strconv.FormatUint(id, 10)}}.Encode()
	}
	var out map[string]any
	if err := c.do(http.MethodGet, uri, nil, &out); err != nil {
		return err
	}
	return printJSON(out)
}

func cmdKeysRevoke(c adminClient, _ caddycmd.Flags, args []string) error {
	var out map[string]any
	if err := c.do(http.MethodDelete, "/kaine/keys/"+url.PathEscape(args[0]), nil, &out); err != nil {
		return err
	}
	return printJSON(out)
}

func cmdUsersLoginLink(c adminClient, fl caddycmd.Flags, _ []string) error {
	return c.userAction(fl, http.MethodPost, "login-link")
}

func cmdUsersSignout(c adminClient, fl caddycmd.Flags, _ []string) error {
	return c.userAction(fl, http.MethodDelete, "sessions")
}

// userAction calls /kaine/users/{id}/{action} for --user and prints the
// answer.
func (c adminClient) userAction(fl caddycmd.Flags, method, action string) error {
	if err := required(fl, "user"); err != nil {
		return err
	}
	id, err := c.userID(fl.String("user"))
	if err != nil {
		return err
	}
	var out map[string]any
	if err := c.do(method, "/kaine/users/"+strconv.FormatUint(id, 10)+"/"+action, nil, &out); err != nil {
		return err
	}
	return printJSON(out)
}

func cmdAuditVerify(c adminClient, fl caddycmd.Flags, _ []string) error {
	if err := required(fl, "user"); err != nil {
		return err
	}
	id, err := c.userID(fl.String("user"))
	if err != nil {
		return err
	}
	uri := "/kaine/users/" + strconv.FormatUint(id, 10) + "/audit-verify"
	if since := fl.String("since"); since != "" {
		uri += "?" + url.Values{"since": {since}}.Encode()
	}
	var out struct {
		OK       bool   `json:"ok"`
		BrokenAt uint64 `json:"broken_at"`
		Reason   string `json:"reason"`
	}
	var raw json.RawMessage
	if err := c.do(http.MethodGet, uri, nil, &raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return fmt.Errorf("reading the verification: %w", err)
	}
	if err := printJSON(raw); err != nil {
		return err
	}
	if !out.OK {
		return fmt.Errorf("the audit chain of user %d is broken at record %d: %s", id, out.BrokenAt, out.Reason)
	}
	return nil
}
