package agenttools

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/knowledge"
	"github.com/keinetech/kaine/leads"
	"github.com/keinetech/kaine/outbox"
	"github.com/keinetech/kaine/outbox/fakesmtp"
)

// The accounts of the tests: a run of "closer" for account 1, and another
// account whose data must stay out of reach.
var (
	env1 = agents.Env{Account: 1, KeyID: 11, RunID: 7, Agent: "closer"}
	env2 = agents.Env{Account: 2, KeyID: 22, RunID: 8, Agent: "other"}
)

// stores are real bbolt stores in one temporary database.
type stores struct {
	leads     *leads.Store
	outbox    *outbox.Store
	knowledge *knowledge.Store
}

func newStores(t *testing.T) stores {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "kaine.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	var s stores
	if s.leads, err = leads.Open(db, now); err != nil {
		t.Fatal(err)
	}
	if s.outbox, err = outbox.Open(db, now); err != nil {
		t.Fatal(err)
	}
	if s.knowledge, err = knowledge.Open(db, now); err != nil {
		t.Fatal(err)
	}
	return s
}

// deps are the stores' tools, without connectors or optional tools.
func (s stores) deps() Deps {
	return Deps{CRM: s.leads, Outbox: s.outbox, Knowledge: s.knowledge, ConnectorsAllowed: func(uint64) bool { return true }}
}

// run calls the tool named name of d for env with input.
func run(t *testing.T, d Deps, name string, env agents.Env, input string) (string, error) {
	t.Helper()
	tool, ok := New(d)[name]
	if !ok {
		t.Fatalf("no tool %s", name)
	}
	return tool.Run(context.Background(), env, json.RawMessage(input))
}

// mustRun is run for a call that must succeed.
func mustRun(t *testing.T, d Deps, name string, env agents.Env, input string) string {
	t.Helper()
	out, err := run(t, d, name, env, input)
	if err != nil {
		t.Fatalf("%s %s: %v", name, input, err)
	}
	return out
}

// wantError checks that a call failed with an error containing want.
func wantError(t *testing.T, d Deps, name string, env agents.Env, input, want string) {
	t.Helper()
	out, err := run(t, d, name, env, input)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s %s: output %q, error %v; want an error containing %q", name, input, out, err, want)
	}
}

// addLead stores a lead for account.
func (s stores) addLead(t *testing.T, account uint64, l leads.Lead) leads.Lead {
	t.Helper()
	l, err := s.leads.Create(account, l)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// sent lists the account's outbox, oldest first.
func (s stores) sent(t *testing.T, account uint64) []outbox.Message {
	t.Helper()
	list, err := s.outbox.List(account, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list
}

// startSMTP starts a fake mail server and an SMTP client of it.
func startSMTP(t *testing.T, opts fakesmtp.Options) (*fakesmtp.Server, *outbox.SMTP) {
	t.Helper()
	srv, err := fakesmtp.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, &outbox.SMTP{Addr: srv.Addr(), From: "agents@kaine.test", Timeout: 10 * time.Second}
}

// sameEnv reports whether a and b are one run of one account.
func sameEnv(a, b agents.Env) bool {
	return a.Account == b.Account && a.KeyID == b.KeyID && a.RunID == b.RunID && a.Agent == b.Agent
}
