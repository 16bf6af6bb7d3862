package workflows

import (
	"context"
	"errors"
	"net/url"
	"sync"

	"github.com/tidwall/gjson"
)

const (
	// nameWorkers bounds concurrent name lookups, so a long listing does
	// not hit n8n with a burst.
	nameWorkers = 4
	// maxNames bounds the lookups of one call; runs of further workflows
	// keep "workflow <id>".
	maxNames = 100
	// maxWorkflowBody bounds a workflow read. A workflow carries all its
	// nodes and can be megabytes; n8n writes name near the start, and
	// gjson finds it in a cut body.
	maxWorkflowBody = 1 << 20
)

// workflowIDs returns the distinct workflow ids, in order of appearance,
// at most maxNames.
func workflowIDs(execs []execution) []string {
	seen := make(map[string]bool)
	var ids []string
	for _, e := range execs {
		if e.WorkflowID == "" || seen[e.WorkflowID] {
			continue
		}
		seen[e.WorkflowID] = true
		ids = append(ids, e.WorkflowID)
		if len(ids) == maxNames {
			break
		}
	}
	return ids
}

// names looks up each workflow's name with GET /workflows/{id}, once per
// id, nameWorkers at a time. It is best effort: a lookup that fails (no
// workflow:read scope, a deleted workflow, n8n failing, ctx ending) leaves
// that id out, and its runs keep "workflow <id>".
func (n *N8N) names(ctx context.Context, api string, ids []string) map[string]string {
	names := make(map[string]string, len(ids))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, nameWorkers)
	for _, id := range ids {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			name := n.workflowName(ctx, api, id)
			if name == "" {
				return
			}
			mu.Lock()
			names[id] = name
			mu.Unlock()
		})
	}
	wg.Wait()
	return names
}

// workflowName is one workflow's name, "" when it cannot be had.
func (n *N8N) workflowName(ctx context.Context, api, id string) string {
	body, err := n.get(ctx, api+"/workflows/"+url.PathEscape(id), maxWorkflowBody)
	if err != nil && !errors.Is(err, errTooLarge) {
		return ""
	}
	name := gjson.GetBytes(body, "name")
	if name.Type != gjson.String {
		return ""
	}
	return cleanText(name.Str, "")
}
