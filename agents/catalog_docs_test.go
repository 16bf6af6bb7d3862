package agents

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// docs/api.md lists each agent of the catalog with exactly its tools.
func TestTheDocsListEachAgentsTools(t *testing.T) {
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+_agent)` \\| ([^|]+) \\|").FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = strings.Fields(strings.NewReplacer("`", "", ",", "").Replace(m[2]))
	}
	catalog := Default().List()
	if len(rows) != len(catalog) {
		t.Errorf("docs/api.md lists %d agents, the catalog has %d", len(rows), len(catalog))
	}
	for _, a := range catalog {
		if got := strings.Join(rows[a.Name], " "); got != strings.Join(a.AllowedTools, " ") {
			t.Errorf("docs/api.md gives %s the tools %q, the catalog %q", a.Name, got, a.AllowedTools)
		}
	}
}
