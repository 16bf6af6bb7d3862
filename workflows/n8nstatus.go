package workflows

import "time"

// n8nStatus maps an n8n execution status onto Run's vocabulary:
//
//	new      → queued   (created, not picked up yet)
//	running  → running
//	waiting  → waiting  (a Wait node holds it until a time or a webhook)
//	success  → success
//	error    → error
//	crashed  → error    (the process died under it: it failed, just louder)
//	canceled → canceled
//	unknown  → error    (n8n lost its outcome: it will neither finish nor
//	                     succeed, and "running" would show it live forever)
//
// A missing or newer status falls back on the fields n8n had before
// status existed: finished (deprecated) → success, stopped → error, not
// started → queued, else running.
func n8nStatus(status string, finished bool, started, stopped *time.Time) string {
	switch status {
	case "new":
		return StatusQueued
	case "running":
		return StatusRunning
	case "waiting":
		return StatusWaiting
	case "success":
		return StatusSuccess
	case "error", "crashed", "unknown":
		return StatusError
	case "canceled":
		return StatusCanceled
	}
	switch {
	case finished:
		return StatusSuccess
	case stopped != nil:
		return StatusError
	case started == nil:
		return StatusQueued
	default:
		return StatusRunning
	}
}

// ended reports whether a run in this status is over, so that its
// finished_at means something: n8n sets stoppedAt on a waiting execution
// too, when it parks it.
func ended(status string) bool {
	switch status {
	case StatusSuccess, StatusError, StatusCanceled:
		return true
	}
	return false
}
