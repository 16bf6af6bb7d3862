package dashboard

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/keinetech/kaine/handlers"
)

// apiView is the API reference page: the operations of the document GET
// /v1/openapi.json serves, grouped as it tags them.
type apiView struct {
	DocumentURL string
	Groups      []apiGroup
}

type apiGroup struct {
	Tag, ID    string // ID: the tag as an HTML id
	Operations []handlers.Operation
}

// apiPage lists every operation of the API with the scope its key needs,
// read from the document the gateway serves, so the page cannot tell of
// another API than the one there is.
func (d *Dashboard) apiPage(w http.ResponseWriter, r *http.Request, v *visit) {
	ops, err := handlers.Operations()
	if err != nil {
		d.fail(w, r, fmt.Errorf("reading the API's operations: %w", err))
		return
	}
	view := apiView{DocumentURL: d.publicURL + "/v1/openapi.json"}
	for _, op := range ops {
		if n := len(view.Groups); n == 0 || view.Groups[n-1].Tag != op.Tag {
			view.Groups = append(view.Groups, apiGroup{Tag: op.Tag, ID: "api-" + strings.ToLower(strings.ReplaceAll(op.Tag, " ", "-"))})
		}
		g := &view.Groups[len(view.Groups)-1]
		g.Operations = append(g.Operations, op)
	}
	d.page(w, r, v, http.StatusOK, "api", "API reference", view)
}
