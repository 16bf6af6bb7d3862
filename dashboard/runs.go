package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/workflows"
)

// runsLimit is how many runs the page lists: GET /v1/workflows' default.
const runsLimit = 50

type runsData struct {
	Runs []runLine
	// Warning says why n8n's runs are missing, when they are.
	Warning string
}

type runLine struct {
	workflows.Run
	// Detail is the run's own page, for an agent run.
	Detail string
}

func (d *Dashboard) runsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	list, err := d.account.WorkflowsOf(r.Context(), v.user.ID, runsLimit)
	if err != nil {
		d.fail(w, r, fmt.Errorf("listing the runs of user %d: %w", v.user.ID, err))
		return
	}
	data := runsData{Warning: list.Warning}
	for _, run := range list.Workflows {
		line := runLine{Run: run}
		if n, ok := strings.CutPrefix(run.ID, "run_"); ok {
			if _, err := strconv.ParseUint(n, 10, 64); err == nil {
				line.Detail = d.prefix + "runs/agent/" + n
			}
		}
		data.Runs = append(data.Runs, line)
	}
	d.page(w, r, v, http.StatusOK, "runs", "Runs", data)
}

// agentRunPage shows one of the account's agent runs step by step.
// Another account's run is not found: runs are looked up by account.
func (d *Dashboard) agentRunPage(w http.ResponseWriter, r *http.Request, v *visit) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		d.notFound(w, r)
		return
	}
	run, err := d.account.AgentRun(v.user.ID, id)
	switch {
	case errors.Is(err, agents.ErrNotFound):
		d.notFound(w, r)
		return
	case err != nil:
		d.fail(w, r, fmt.Errorf("reading agent run %d of user %d: %w", id, v.user.ID, err))
		return
	}
	d.page(w, r, v, http.StatusOK, "agent_run", "Agent run "+strconv.FormatUint(id, 10), run)
}
