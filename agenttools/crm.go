package agenttools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/leads"
	"github.com/keinetech/kaine/routing"
)

const (
	defaultSearchLeads = 10
	maxSearchLeads     = 50
	// searchNotes is how many characters of each lead's notes a search
	// shows: enough to know the lead.
	searchNotes = 500
	// searchBudget bounds a search's answer, in characters, well within
	// what a run shows the model of a tool's output (16 Ki characters), so
	// the answer is never cut mid-JSON: leads past it are left out, and
	// counted.
	searchBudget = 12_000
	// maxDefaultSource bounds the source crm_add_lead makes up from the
	// agent's name, in characters: well within leads.MaxField bytes.
	maxDefaultSource = 40
)

// leadView is a lead as the model reads it: empty fields left out.
type leadView struct {
	ID      uint64       `json:"id"`
	Name    string       `json:"name,omitempty"`
	Email   string       `json:"email,omitempty"`
	Phone   string       `json:"phone,omitempty"`
	Company string       `json:"company,omitempty"`
	Source  string       `json:"source,omitempty"`
	Status  leads.Status `json:"status"`
	Notes   string       `json:"notes,omitempty"`
	// NotesCut says Notes holds only the start of the lead's notes.
	NotesCut  bool      `json:"notes_cut,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// viewOf shows l with at most maxNotes characters of notes (all if 0).
func viewOf(l leads.Lead, maxNotes int) leadView {
	v := leadView{ID: l.ID, Name: l.Name, Email: l.Email, Phone: l.Phone, Company: l.Company, Source: l.Source,
		Status: l.Status, Notes: l.Notes, CreatedAt: l.CreatedAt.UTC().Truncate(time.Second), UpdatedAt: l.UpdatedAt.UTC().Truncate(time.Second)}
	if maxNotes > 0 {
		v.Notes = clip.Runes(l.Notes, maxNotes)
		v.NotesCut = v.Notes != l.Notes
	}
	return v
}

// answer encodes v as the model's compact JSON.
func answer(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("the answer could not be encoded: %w", err)
	}
	return string(b), nil
}

// statusEnum is the statuses as a JSON array, for the schemas.
var statusEnum = func() string {
	b, _ := json.Marshal(leads.Statuses)
	return string(b)
}()

// status checks a status the model sent.
func (c *checker) status(s string) {
	if !leads.Status(s).Valid() {
		names := make([]string, len(leads.Statuses))
		for i, st := range leads.Statuses {
			names[i] = string(st)
		}
		c.fail("status must be one of %s", strings.Join(names, ", "))
	}
}

// leadError is what the model reads when the CRM fails it.
func leadError(id uint64, err error) error {
	switch {
	case errors.Is(err, leads.ErrNotFound):
		return fmt.Errorf("there is no lead %d in this account; crm_search shows the leads and their ids", id)
	case errors.Is(err, leads.ErrNotesTooLong):
		return fmt.Errorf("lead %d's notes would pass %d bytes with that note: replace them with shorter notes instead", id, leads.MaxNotes)
	}
	return errors.New("the CRM could not be read or written; try again")
}

// crmSearch is crm_search.
type crmSearch struct{ crm CRM }

func (crmSearch) Spec() routing.Tool {
	return spec("crm_search",
		"Search this account's CRM leads, newest first. Answers compact JSON {leads, count, omitted}; each lead has id, name, email, phone, company, source, status, notes (cut to 500 characters, with notes_cut true when cut), created_at and updated_at; empty fields are left out. omitted, when present, counts further matching leads left out to keep the answer short: narrow the search to see them. Use a lead's id as lead_id in crm_update, send_email, send_sms, phone_call and send_booking_link.",
		`{
	"type": "object",
	"properties": {
		"query": {"type": "string", "description": "Text to look for, case-insensitively, in each lead's name, email, phone, company and notes; the whole text must appear as written, so one distinctive word (a surname, an email domain) finds most. Leave out to list the newest leads."},
		"status": {"type": "string", "enum": `+statusEnum+`, "description": "Only leads at this stage: new (not yet contacted), contacted, booked (a meeting or job is booked) or complete."},
		"limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "The most leads to return. Default 10."}
	},
	"additionalProperties": false
}`)
}

func (t crmSearch) Run(_ context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		Query  string `json:"query"`
		Status string `json:"status"`
		Limit  *int   `json:"limit"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.bounded("query", in.Query, leads.MaxField)
	if in.Status != "" {
		c.status(in.Status)
	}
	limit := defaultSearchLeads
	if in.Limit != nil {
		limit = *in.Limit
		if limit < 1 || limit > maxSearchLeads {
			c.fail("limit must be from 1 to %d", maxSearchLeads)
		}
	}
	if c.err != nil {
		return "", c.err
	}
	found, err := t.crm.Search(env.Account, leads.Query{Text: in.Query, Status: leads.Status(in.Status)}, limit)
	if err != nil {
		return "", errors.New("the CRM could not be searched; try again")
	}
	views := []leadView{}
	size := 0
	for _, l := range found {
		v := viewOf(l, searchNotes)
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("the answer could not be encoded: %w", err)
		}
		if size += utf8.RuneCount(b) + 1; size > searchBudget {
			break
		}
		views = append(views, v)
	}
	return answer(struct {
		Leads   []leadView `json:"leads"`
		Count   int        `json:"count"`
		Omitted int        `json:"omitted,omitempty"`
	}{views, len(views), len(found) - len(views)})
}

// crmUpdate is crm_update.
type crmUpdate struct{ crm CRM }

func (crmUpdate) Spec() routing.Tool {
	return spec("crm_update",
		"Move one of this account's leads to another status, and/or replace or add to its notes. Answers the lead as it now is, as compact JSON.",
		`{
	"type": "object",
	"properties": {
		"lead_id": {"type": "integer", "minimum": 1, "description": "The lead's id, from crm_search or crm_add_lead."},
		"status": {"type": "string", "enum": `+statusEnum+`, "description": "The lead's new stage: new, contacted (you reached out), booked (a meeting or job is booked) or complete."},
		"notes": {"type": "string", "description": "Replaces all of the lead's notes. Use append_note instead to keep what is there."},
		"append_note": {"type": "string", "description": "A note added on a new line at the end of the lead's notes, e.g. what was said or agreed. Do not send together with notes."}
	},
	"required": ["lead_id"],
	"additionalProperties": false
}`)
}

func (t crmUpdate) Run(_ context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		LeadID     uint64  `json:"lead_id"`
		Status     *string `json:"status"`
		Notes      *string `json:"notes"`
		AppendNote *string `json:"append_note"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	switch {
	case in.LeadID == 0:
		c.fail("lead_id is required: the lead's id, from crm_search")
	case in.Status == nil && in.Notes == nil && in.AppendNote == nil:
		c.fail("send status, notes or append_note: there is nothing to change")
	case in.Notes != nil && in.AppendNote != nil:
		c.fail("send notes (to replace them) or append_note (to add to them), not both")
	}
	if in.Status != nil {
		c.status(*in.Status)
	}
	if in.Notes != nil {
		c.bounded("notes", *in.Notes, leads.MaxNotes)
	}
	if in.AppendNote != nil {
		c.required("append_note", *in.AppendNote, leads.MaxNotes)
	}
	if c.err != nil {
		return "", c.err
	}
	var p leads.Patch
	if in.Status != nil {
		status := leads.Status(*in.Status)
		p.Status = &status
	}
	p.Notes, p.AppendNote = in.Notes, in.AppendNote
	l, err := t.crm.Update(env.Account, in.LeadID, p)
	if err != nil {
		return "", leadError(in.LeadID, err)
	}
	return answer(viewOf(l, 0))
}

// crmAddLead is crm_add_lead.
type crmAddLead struct{ crm CRM }

func (crmAddLead) Spec() routing.Tool {
	return spec("crm_add_lead",
		"Add a new lead (a prospective customer) to this account's CRM, with status new. Search first with crm_search so the same person is not added twice. Answers the new lead, with its id, as compact JSON.",
		`{
	"type": "object",
	"properties": {
		"name": {"type": "string", "description": "The person's full name, or the business's if there is no person."},
		"email": {"type": "string", "description": "A bare email address, like ana@example.com."},
		"phone": {"type": "string", "description": "A phone number, best in international form with + and the country code, like +15550100123, so send_sms and phone_call can use it."},
		"company": {"type": "string", "description": "The lead's company."},
		"source": {"type": "string", "description": "Where the lead came from, like website form or referral. Default: agent:<your agent name>."},
		"notes": {"type": "string", "description": "What is known about the lead and what they want."}
	},
	"required": ["name"],
	"additionalProperties": false
}`)
}

func (t crmAddLead) Run(_ context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		Name    string `json:"name"`
		Email   string `json:"email"`
		Phone   string `json:"phone"`
		Company string `json:"company"`
		Source  string `json:"source"`
		Notes   string `json:"notes"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.required("name", in.Name, leads.MaxField)
	c.email("email", in.Email)
	c.bounded("phone", in.Phone, leads.MaxPhone)
	c.bounded("company", in.Company, leads.MaxField)
	c.bounded("source", in.Source, leads.MaxField)
	c.bounded("notes", in.Notes, leads.MaxNotes)
	c.oneLine("name", in.Name)
	c.oneLine("phone", in.Phone)
	c.oneLine("company", in.Company)
	c.oneLine("source", in.Source)
	if c.err != nil {
		return "", c.err
	}
	source := in.Source
	if source == "" {
		source = clip.Runes("agent:"+env.Agent, maxDefaultSource)
	}
	l, err := t.crm.Create(env.Account, leads.Lead{Name: strings.TrimSpace(in.Name), Email: in.Email, Phone: strings.TrimSpace(in.Phone),
		Company: in.Company, Source: source, Notes: in.Notes})
	if err != nil {
		return "", errors.New("the lead could not be stored; try again")
	}
	return answer(viewOf(l, 0))
}
