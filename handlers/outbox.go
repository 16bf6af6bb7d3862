package handlers

import (
	"net/http"

	"github.com/keinetech/kaine/outbox"
)

// OutboxStore keeps the messages an account's agents sent or queued.
type OutboxStore interface {
	List(account uint64, limit int) ([]outbox.Message, error)
}

const (
	defaultOutboxLimit = 50
	maxOutboxLimit     = 500
)

type outboxAnswer struct {
	Messages []outbox.Message `json:"messages"`
	Count    int              `json:"count"`
}

// listOutbox answers GET /v1/outbox: every message the caller's agents
// sent, failed to send, or queued for want of a connector, newest first.
func (a *API) listOutbox(w http.ResponseWriter, r *http.Request, call *Call) {
	limit, ok := a.queryLimit(w, r, defaultOutboxLimit, maxOutboxLimit)
	if !ok {
		return
	}
	list, err := a.Outbox.List(call.Identity.UserID, limit)
	if err != nil {
		a.Errors.Internal(w, err, "The outbox could not be read; try again.")
		return
	}
	WriteJSON(w, http.StatusOK, outboxAnswer{Messages: list, Count: len(list)})
}
