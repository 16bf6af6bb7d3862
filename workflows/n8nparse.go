package workflows

import (
	"errors"
	"fmt"
	"time"

	"github.com/tidwall/gjson"
)

// errMalformed marks an n8n answer that is not the JSON the API documents.
var errMalformed = errors.New("n8n answered with malformed JSON")

// execution is what Kaine reads of one n8n execution.
type execution struct {
	ID         string
	WorkflowID string
	Status     string
	Finished   bool
	StartedAt  *time.Time
	StoppedAt  *time.Time
}

// parseExecutions reads one page of GET /executions: the executions and
// the cursor of the next page ("" on the last). The whole body must be
// valid JSON with a data array whose items have an id; optional fields
// may be missing or null, but a present one of the wrong type is refused,
// so a different API behind the URL cannot pass for an empty list.
func parseExecutions(body []byte) ([]execution, string, error) {
	if !gjson.ValidBytes(body) {
		return nil, "", errMalformed
	}
	root := gjson.ParseBytes(body)
	data := root.Get("data")
	if !data.IsArray() {
		return nil, "", fmt.Errorf("%w: no data array", errMalformed)
	}
	next := root.Get("nextCursor")
	if next.Type != gjson.Null && next.Type != gjson.String {
		return nil, "", fmt.Errorf("%w: nextCursor is not a string", errMalformed)
	}
	var out []execution
	for i, item := range data.Array() {
		e, err := parseExecution(item)
		if err != nil {
			return nil, "", fmt.Errorf("%w: execution %d: %v", errMalformed, i, err)
		}
		out = append(out, e)
	}
	return out, next.Str, nil
}

func parseExecution(item gjson.Result) (execution, error) {
	if !item.IsObject() {
		return execution{}, errors.New("not an object")
	}
	var e execution
	var err error
	if e.ID, err = idField(item, "id"); err != nil {
		return execution{}, err
	}
	if e.ID == "" {
		return execution{}, errors.New("no id")
	}
	if e.WorkflowID, err = idField(item, "workflowId"); err != nil {
		return execution{}, err
	}
	if s := item.Get("status"); s.Exists() && s.Type != gjson.Null {
		if s.Type != gjson.String {
			return execution{}, errors.New("status is not a string")
		}
		e.Status = s.Str
	}
	e.Finished = item.Get("finished").Type == gjson.True
	if e.StartedAt, err = timeField(item, "startedAt"); err != nil {
		return execution{}, err
	}
	if e.StoppedAt, err = timeField(item, "stoppedAt"); err != nil {
		return execution{}, err
	}
	return e, nil
}

// idField reads an id that the current spec gives as a string and older
// ones as a number; missing or null is "".
func idField(item gjson.Result, name string) (string, error) {
	v := item.Get(name)
	switch v.Type {
	case gjson.Null:
		return "", nil
	case gjson.String:
		return v.Str, nil
	case gjson.Number:
		// String keeps an integer's digits as sent, however long.
		return v.String(), nil
	}
	return "", fmt.Errorf("%s is neither a string nor a number", name)
}

// timeField reads an ISO 8601 time that may be missing or null.
func timeField(item gjson.Result, name string) (*time.Time, error) {
	v := item.Get(name)
	switch v.Type {
	case gjson.Null:
		return nil, nil
	case gjson.String:
		t, err := time.Parse(time.RFC3339Nano, v.Str)
		if err != nil {
			return nil, fmt.Errorf("%s is not a time", name)
		}
		t = t.UTC()
		return &t, nil
	}
	return nil, fmt.Errorf("%s is not a time", name)
}

// run turns an execution into a Run, with the workflow's name when known.
func (e execution) run(names map[string]string) Run {
	status := n8nStatus(e.Status, e.Finished, e.StartedAt, e.StoppedAt)
	r := Run{
		ID:        "n8n_" + e.ID,
		Source:    SourceN8N,
		Name:      names[e.WorkflowID],
		Status:    status,
		StartedAt: e.StartedAt,
	}
	if ended(status) {
		r.FinishedAt = e.StoppedAt
	}
	if r.Name == "" {
		r.Name = "workflow " + e.WorkflowID
		if e.WorkflowID == "" {
			r.Name = "workflow unknown"
		}
	}
	return r
}
