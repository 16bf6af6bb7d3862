package caddymodule

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type leadJSON struct {
	ID        uint64 `json:"id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Company   string `json:"company"`
	Status    string `json:"status"`
	Notes     string `json:"notes"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func TestLeadsEndpoints(t *testing.T) {
	g := startGateway(t, "")
	k := g.userWithKey("angel", "read", "write")
	other := g.userWithKey("bruno", "read", "write")
	reader := g.userWithKey("carla", "read")

	create := func(key string, body string) leadJSON {
		t.Helper()
		status, _, data := g.doRaw("POST", "/v1/leads", key, body)
		var l leadJSON
		if status != 201 || json.Unmarshal(data, &l) != nil || l.ID == 0 {
			t.Fatalf("create %s: %d %s", body, status, data)
		}
		return l
	}
	first := create(k.Key, `{"name":"Ana Ruiz","email":"ana@example.com","company":"Ruiz Tiles","source":"landing page"}`)
	if first.Status != "new" || first.CreatedAt == "" || first.CreatedAt != first.UpdatedAt || first.Company != "Ruiz Tiles" {
		t.Fatalf("created lead %+v", first)
	}
	create(k.Key, `{"email":"bo@example.com","status":"contacted"}`)
	cy := create(k.Key, `{"name":"Cy"}`)
	create(other.Key, `{"name":"not angel's"}`)

	list := func(key, query string) (int, []leadJSON, string) {
		t.Helper()
		status, _, data := g.doRaw("GET", "/v1/leads"+query, key, "")
		var answer struct {
			Leads []leadJSON `json:"leads"`
			Count int        `json:"count"`
		}
		if status == 200 && (json.Unmarshal(data, &answer) != nil || answer.Count != len(answer.Leads)) {
			t.Fatalf("list %s: %s", query, data)
		}
		return status, answer.Leads, string(data)
	}
	if _, got, data := list(reader.Key, ""); len(got) != 0 || !strings.Contains(data, `"leads":[]`) {
		t.Fatalf("an account without leads: %s", data)
	}
	if _, got, data := list(k.Key, ""); len(got) != 3 || got[0].Name != "Cy" || got[2].Name != "Ana Ruiz" {
		t.Fatalf("newest first: %s", data)
	}
	if _, got, data := list(k.Key, "?status=contacted"); len(got) != 1 || got[0].Email != "bo@example.com" {
		t.Fatalf("contacted: %s", data)
	}
	if _, got, _ := list(k.Key, "?status=new&limit=1"); len(got) != 1 || got[0].Name != "Cy" {
		t.Fatalf("new, limit 1: %+v", got)
	}
	if _, got, _ := list(k.Key, "?limit=100000"); len(got) != 3 {
		t.Fatalf("a limit above 500 is clamped: %+v", got)
	}

	status, _, data := g.doRaw("PATCH", fmt.Sprintf("/v1/leads/%d", first.ID), k.Key, `{"status":"booked","notes":"Tuesday 10:00"}`)
	var moved leadJSON
	if status != 200 || json.Unmarshal(data, &moved) != nil || moved.Status != "booked" || moved.Notes != "Tuesday 10:00" || moved.Name != "Ana Ruiz" {
		t.Fatalf("patch: %d %s", status, data)
	}
	if _, got, _ := list(k.Key, "?status=booked"); len(got) != 1 || got[0].ID != first.ID {
		t.Fatalf("booked after the patch: %+v", got)
	}

	for _, c := range []struct {
		name, method, path, key, body string
		status                        int
		code                          string
	}{
		{"bad status filter", "GET", "/v1/leads?status=won", k.Key, "", 400, "invalid_field"},
		{"zero limit", "GET", "/v1/leads?limit=0", k.Key, "", 400, "invalid_field"},
		{"neither name nor email", "POST", "/v1/leads", k.Key, `{"company":"Acme"}`, 400, "missing_fields"},
		{"blank name", "POST", "/v1/leads", k.Key, `{"name":"   "}`, 400, "missing_fields"},
		{"bad email", "POST", "/v1/leads", k.Key, `{"email":"Ana <ana@example.com>"}`, 400, "invalid_field"},
		{"bad status", "POST", "/v1/leads", k.Key, `{"name":"x","status":"won"}`, 400, "invalid_field"},
		{"wrong type", "POST", "/v1/leads", k.Key, `{"name":42}`, 400, "invalid_field"},
		{"long notes", "POST", "/v1/leads", k.Key, `{"name":"x","notes":"` + strings.Repeat("n", 10_001) + `"}`, 400, "invalid_field"},
		{"not an object", "POST", "/v1/leads", k.Key, `["x"]`, 400, "invalid_json"},
		{"read-only key", "POST", "/v1/leads", reader.Key, `{"name":"x"}`, 403, "insufficient_scope"},
		{"empty patch", "PATCH", fmt.Sprintf("/v1/leads/%d", first.ID), k.Key, `{}`, 400, "missing_fields"},
		{"patch to a bad status", "PATCH", fmt.Sprintf("/v1/leads/%d", first.ID), k.Key, `{"status":"won"}`, 400, "invalid_field"},
		{"another account's lead", "PATCH", fmt.Sprintf("/v1/leads/%d", cy.ID), other.Key, `{"notes":"mine"}`, 404, "not_found"},
		{"no such lead", "PATCH", "/v1/leads/99999", k.Key, `{"notes":"x"}`, 404, "not_found"},
		{"not an id", "PATCH", "/v1/leads/abc", k.Key, `{"notes":"x"}`, 404, "not_found"},
		{"no method", "DELETE", "/v1/leads", k.Key, "", 405, "method_not_allowed"},
	} {
		status, _, data := g.doRaw(c.method, c.path, c.key, c.body)
		if status != c.status || !strings.Contains(string(data), `"error":"`+c.code+`"`) {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, data, c.status, c.code)
		}
	}
	if _, got, _ := list(k.Key, ""); len(got) != 3 || got[2].Notes != "Tuesday 10:00" {
		t.Fatalf("refused requests changed the leads: %+v", got)
	}
}
