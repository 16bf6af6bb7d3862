package workflows

import (
	"testing"
	"time"

	"github.com/keinetech/kaine/workflows/faken8n"
)

func TestExecutionsStatusAndTimes(t *testing.T) {
	tests := []struct {
		n8n          string
		finished     bool
		started      *time.Time
		stopped      *time.Time
		wantStatus   string
		wantStarted  bool
		wantFinished bool
	}{
		{"new", false, nil, nil, StatusQueued, false, false},
		{"running", false, at(0), nil, StatusRunning, true, false},
		// n8n stops the clock when it parks a run; it has not finished.
		{"waiting", false, at(0), at(1), StatusWaiting, true, false},
		{"success", true, at(0), at(1), StatusSuccess, true, true},
		{"error", false, at(0), at(1), StatusError, true, true},
		{"crashed", false, at(0), at(1), StatusError, true, true},
		{"canceled", false, at(0), at(1), StatusCanceled, true, true},
		{"unknown", false, at(0), nil, StatusError, true, false},
		// Before status existed: finished, else stopped, else started.
		{"", true, at(0), at(1), StatusSuccess, true, true},
		{"", false, at(0), at(1), StatusError, true, true},
		{"", false, at(0), nil, StatusRunning, true, false},
		{"", false, nil, nil, StatusQueued, false, false},
		{"someNewStatus", false, at(0), nil, StatusRunning, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.n8n, func(t *testing.T) {
			f := newFake(t)
			f.SetExecutions(faken8n.Execution{ID: "1", WorkflowID: "7", Status: tt.n8n, Finished: tt.finished, StartedAt: tt.started, StoppedAt: tt.stopped})
			runs, err := client(f).Executions(t.Context(), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 1 {
				t.Fatalf("%d runs", len(runs))
			}
			r := runs[0]
			if r.Status != tt.wantStatus {
				t.Errorf("status %q, want %q", r.Status, tt.wantStatus)
			}
			if (r.StartedAt != nil) != tt.wantStarted {
				t.Errorf("started_at %v, want set=%v", r.StartedAt, tt.wantStarted)
			} else if r.StartedAt != nil && !r.StartedAt.Equal(*tt.started) {
				t.Errorf("started_at %v, want %v", r.StartedAt, tt.started)
			}
			if (r.FinishedAt != nil) != tt.wantFinished {
				t.Errorf("finished_at %v, want set=%v", r.FinishedAt, tt.wantFinished)
			} else if r.FinishedAt != nil && !r.FinishedAt.Equal(*tt.stopped) {
				t.Errorf("finished_at %v, want %v", r.FinishedAt, tt.stopped)
			}
			if r.Source != SourceN8N || r.ID != "n8n_1" {
				t.Errorf("source %q id %q", r.Source, r.ID)
			}
		})
	}
}

func TestExecutionsIDs(t *testing.T) {
	tests := []struct {
		name    string
		numeric bool
	}{
		{"strings, as the current spec", false},
		{"numbers, as the older spec", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.NumericIDs(tt.numeric)
			f.SetExecutions(
				faken8n.Execution{ID: "90071992547409931", WorkflowID: "12", Status: "success", StartedAt: at(1), StoppedAt: at(2)},
				faken8n.Execution{ID: "1000", WorkflowID: "7", Status: "success", StartedAt: at(0), StoppedAt: at(1)},
			)
			f.SetWorkflow("12", "Video pipeline")
			runs, err := client(f).Executions(t.Context(), 10)
			if err != nil {
				t.Fatal(err)
			}
			// A long numeric id keeps every digit: no float64 round trip.
			if got := ids(runs); len(got) != 2 || got[0] != "n8n_90071992547409931" || got[1] != "n8n_1000" {
				t.Errorf("ids %v", got)
			}
			if runs[0].Name != "Video pipeline" || runs[1].Name != "workflow 7" {
				t.Errorf("names %q, %q", runs[0].Name, runs[1].Name)
			}
		})
	}
}
