package workflows

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestMerge(t *testing.T) {
	n8n := []Run{
		{ID: "n8n_12", Source: SourceN8N, StartedAt: at(30)},
		{ID: "n8n_11", Source: SourceN8N, StartedAt: at(10)},
		{ID: "n8n_13", Source: SourceN8N}, // queued
	}
	kaine := []Run{
		{ID: "vid_b", Source: SourceKaine, StartedAt: at(20)},
		{ID: "vid_a", Source: SourceKaine, StartedAt: at(10)}, // ties n8n_11
		{ID: "lp_1", Source: SourceKaine},                     // not started
	}
	tests := []struct {
		name  string
		limit int
		lists [][]Run
		want  []string
	}{
		{"all, newest first", 10, [][]Run{n8n, kaine}, []string{"lp_1", "n8n_13", "n8n_12", "vid_b", "n8n_11", "vid_a"}},
		{"argument order does not matter", 10, [][]Run{kaine, n8n}, []string{"lp_1", "n8n_13", "n8n_12", "vid_b", "n8n_11", "vid_a"}},
		{"limit keeps the newest", 3, [][]Run{n8n, kaine}, []string{"lp_1", "n8n_13", "n8n_12"}},
		{"limit cuts inside a tie by ID", 5, [][]Run{n8n, kaine}, []string{"lp_1", "n8n_13", "n8n_12", "vid_b", "n8n_11"}},
		{"one list", 10, [][]Run{kaine}, []string{"lp_1", "vid_b", "vid_a"}},
		{"no lists", 10, nil, []string{}},
		{"empty lists", 10, [][]Run{nil, {}}, []string{}},
		{"limit 0", 0, [][]Run{n8n}, []string{}},
		{"negative limit", -1, [][]Run{n8n}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(n8n)
			got := Merge(tt.limit, tt.lists...)
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("got %v, want %v", ids(got), tt.want)
			}
			if got == nil {
				t.Error("nil: it would encode as null")
			}
			if !slices.EqualFunc(before, n8n, func(a, b Run) bool { return a.ID == b.ID }) {
				t.Error("Merge reordered its input")
			}
		})
	}
}

func TestMergeSameInstantDifferentZones(t *testing.T) {
	utc := *at(0)
	other := utc.In(time.FixedZone("JST", 9*60*60))
	got := Merge(10, []Run{{ID: "b", StartedAt: &utc}}, []Run{{ID: "a", StartedAt: &other}})
	if !slices.Equal(ids(got), []string{"a", "b"}) {
		t.Errorf("got %v: one instant in two zones is a tie", ids(got))
	}
}

func TestRunJSON(t *testing.T) {
	r := Run{ID: "n8n_1", Source: SourceN8N, Name: "workflow 7", Status: StatusQueued}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"n8n_1","source":"n8n","name":"workflow 7","status":"queued","started_at":null,"finished_at":null}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	if b, _ := json.Marshal(Merge(5)); string(b) != "[]" {
		t.Errorf("empty merge encodes as %s", b)
	}
}
