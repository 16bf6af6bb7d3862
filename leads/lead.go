// Package leads is a small CRM kept per account in bbolt: the leads an
// account's agents and apps collect, and where each stands.
package leads

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Status is where a lead stands.
type Status string

// The statuses a lead moves through.
const (
	New       Status = "new"
	Contacted Status = "contacted"
	Booked    Status = "booked"
	Complete  Status = "complete"
)

// Statuses lists every status, in order.
var Statuses = []Status{New, Contacted, Booked, Complete}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Lead is one prospective customer of an account.
type Lead struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Phone     string    `json:"phone"`
	Company   string    `json:"company"`
	Source    string    `json:"source"`
	Status    Status    `json:"status"`
	Notes     string    `json:"notes"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Patch changes a lead: each field that is not nil replaces the lead's,
// but AppendNote, which adds a line to the notes in the same transaction
// (so two writers cannot lose each other's note).
type Patch struct {
	Status     *Status
	Notes      *string
	AppendNote *string
}

var (
	// ErrNotFound is returned for a lead that does not exist in the account.
	ErrNotFound = errors.New("lead not found")
	// ErrNotesTooLong: appending would take the notes past MaxNotes.
	ErrNotesTooLong = fmt.Errorf("the notes would pass %d bytes", MaxNotes)
)
