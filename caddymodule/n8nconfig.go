package caddymodule

import (
	"fmt"

	"github.com/caddyserver/caddy/v2"

	"github.com/keinetech/kaine/workflows"
)

// N8N is an n8n instance whose executions GET /v1/workflows lists.
type N8N struct {
	// BaseURL is the instance's root (or its /api/v1).
	BaseURL string `json:"base_url"`
	// APIKey is the instance's API key, written as {env.VAR}.
	APIKey string `json:"api_key,omitempty"`
	// Accounts are the usernames that see the instance's runs: an instance
	// belongs to one tenant, and its runs must not show in another's list.
	Accounts []string `json:"accounts"`
}

func (n *N8N) validate() error {
	if n == nil {
		return nil
	}
	if n.BaseURL == "" {
		return fmt.Errorf("n8n: base_url is required")
	}
	if err := checkURL("n8n: base_url", n.BaseURL); err != nil {
		return err
	}
	if len(n.Accounts) == 0 {
		return fmt.Errorf("n8n: accounts must name the usernames that see its runs")
	}
	return nil
}

// n8nRuns returns the n8n client and who may see its runs, or nil when no
// instance is configured.
func (a *App) n8nRuns(repl *caddy.Replacer) (*workflows.N8N, map[string]bool) {
	if a.N8N == nil {
		return nil, nil
	}
	accounts := make(map[string]bool, len(a.N8N.Accounts))
	for _, name := range a.N8N.Accounts {
		accounts[name] = true
	}
	client := &workflows.N8N{BaseURL: a.N8N.BaseURL, APIKey: repl.ReplaceAll(a.N8N.APIKey, ""),
		Client: a.runtime.httpClient("n8n", a.N8N.BaseURL)}
	return client, accounts
}
