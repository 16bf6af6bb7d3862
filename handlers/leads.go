package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/internal/mailaddr"
	"github.com/keinetech/kaine/leads"
)

// LeadStore keeps an account's leads.
type LeadStore interface {
	Create(user uint64, l leads.Lead) (leads.Lead, error)
	List(user uint64, status leads.Status, limit int) ([]leads.Lead, error)
	Update(user, id uint64, p leads.Patch) (leads.Lead, error)
}

const (
	defaultLeadsLimit = 50
	maxLeadsLimit     = 500
)

type leadsAnswer struct {
	Leads []leads.Lead `json:"leads"`
	Count int          `json:"count"`
}

// listLeads answers GET /v1/leads: the caller's leads, newest first,
// optionally of one status.
func (a *API) listLeads(w http.ResponseWriter, r *http.Request, call *Call) {
	status := leads.Status(r.URL.Query().Get("status"))
	if status != "" && !status.Valid() {
		a.Errors.Write(w, CodeInvalidField, "status must be one of "+statusList()+", got "+strconv.Quote(clip.Runes(string(status), 64))+".")
		return
	}
	limit, ok := a.queryLimit(w, r, defaultLeadsLimit, maxLeadsLimit)
	if !ok {
		return
	}
	list, err := a.Leads.List(call.Identity.UserID, status, limit)
	if err != nil {
		a.Errors.Internal(w, err, "The leads could not be read; try again.")
		return
	}
	WriteJSON(w, http.StatusOK, leadsAnswer{Leads: list, Count: len(list)})
}

// createLead answers POST /v1/leads: a new lead, status new unless given.
func (a *API) createLead(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	f := fields{obj: obj}
	l := leads.Lead{
		Name:    f.bounded("name", leads.MaxField),
		Email:   f.bounded("email", leads.MaxEmail),
		Phone:   f.bounded("phone", leads.MaxPhone),
		Company: f.bounded("company", leads.MaxField),
		Source:  f.bounded("source", leads.MaxField),
		Status:  leads.Status(f.bounded("status", leads.MaxField)),
		Notes:   f.bounded("notes", leads.MaxNotes),
	}
	switch {
	case f.err != nil:
	case strings.TrimSpace(l.Name) == "" && l.Email == "":
		f.fail(CodeMissingFields, "name or email is required.")
	case l.Email != "" && !mailaddr.Plain(l.Email):
		f.fail(CodeInvalidField, "email must be an address like ana@example.com.")
	case l.Status != "" && !l.Status.Valid():
		f.fail(CodeInvalidField, "status must be one of %s.", statusList())
	}
	if f.err != nil {
		a.Errors.Send(w, f.err)
		return
	}
	created, err := a.Leads.Create(call.Identity.UserID, l)
	if err != nil {
		a.Errors.Internal(w, err, "The lead could not be stored; try again.")
		return
	}
	WriteJSON(w, http.StatusCreated, created)
}

// updateLead answers PATCH /v1/leads/{id}: a new status, new notes, or both.
func (a *API) updateLead(w http.ResponseWriter, r *http.Request, call *Call) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		a.Errors.Write(w, CodeNotFound, "There is no lead "+strconv.Quote(clip.Runes(r.PathValue("id"), 32))+"; ids are positive whole numbers.")
		return
	}
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	f := fields{obj: obj}
	var p leads.Patch
	if _, ok := f.get("status"); ok {
		status := leads.Status(f.bounded("status", leads.MaxField))
		if f.err == nil && !status.Valid() {
			f.fail(CodeInvalidField, "status must be one of %s.", statusList())
		}
		p.Status = &status
	}
	if _, ok := f.get("notes"); ok {
		notes := f.bounded("notes", leads.MaxNotes)
		p.Notes = &notes
	}
	if f.err == nil && p.Status == nil && p.Notes == nil {
		f.fail(CodeMissingFields, "Send status, notes or both.")
	}
	if f.err != nil {
		a.Errors.Send(w, f.err)
		return
	}
	updated, err := a.Leads.Update(call.Identity.UserID, id, p)
	switch {
	case errors.Is(err, leads.ErrNotFound):
		a.Errors.Write(w, CodeNotFound, "There is no lead "+strconv.FormatUint(id, 10)+" in this account.")
	case err != nil:
		a.Errors.Internal(w, err, "The lead could not be updated; try again.")
	default:
		WriteJSON(w, http.StatusOK, updated)
	}
}

func statusList() string {
	names := make([]string, len(leads.Statuses))
	for i, s := range leads.Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
