package workflows

import "time"

// Run is one workflow run, from n8n or from Kaine.
type Run struct {
	// ID is "n8n_" + the execution id for n8n, Kaine's own id otherwise, so
	// the two sources cannot collide.
	ID string `json:"id"`
	// Source is SourceN8N or SourceKaine.
	Source string `json:"source"`
	// Name is what ran: for n8n the workflow's name when it could be
	// fetched, else "workflow <workflow id>".
	Name string `json:"name"`
	// Status is one of the Status constants, whatever the source.
	Status string `json:"status"`
	// StartedAt is null when the run has not started.
	StartedAt *time.Time `json:"started_at"`
	// FinishedAt is null while the run is queued, running or waiting.
	FinishedAt *time.Time `json:"finished_at"`
	// URL is what the run made, where it has a page: a landing page.
	URL string `json:"url,omitempty"`
	// Steps is how many model calls an agent run made.
	Steps int `json:"steps,omitempty"`
}

// Sources of a Run.
const (
	SourceN8N   = "n8n"
	SourceKaine = "kaine"
)

// The one status vocabulary of both sources.
const (
	StatusQueued   = "queued"   // accepted, not started
	StatusRunning  = "running"  // started, not ended
	StatusWaiting  = "waiting"  // paused until a time or an event, then resumes
	StatusSuccess  = "success"  // ended well
	StatusError    = "error"    // ended badly, or its end is lost
	StatusCanceled = "canceled" // stopped on request
)
