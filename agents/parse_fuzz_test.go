package agents

import (
	"strings"
	"testing"
)

// An operator's agents file, whatever it holds, is read or refused with an
// error; what is read always makes a valid catalog or a clear refusal.
func FuzzParseAgents(f *testing.F) {
	f.Add(`[{"name":"vip_agent","description":"VIPs","allowed_tools":["crm_search"],"complexity_tier":"complex","use_extended_thinking":true,"system_prompt":"Be kind."}]`)
	f.Add(`[{"name":"lead_crm_agent","description":"email only","allowed_tools":["send_email"],"complexity_tier":"standard"}]`)
	f.Add(`[{"name":"x","description":"","allowed_tools":null}]`)
	f.Add(`[{"name":"a_agent","tools":["x"]}]`)
	f.Add(`{}`)
	f.Add(`[] []`)
	f.Fuzz(func(t *testing.T, data string) {
		list, err := ParseAgents([]byte(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		catalog, err := Default().With(list...)
		if err != nil {
			return
		}
		for _, a := range list {
			got, ok := catalog.Get(a.Name)
			if !ok || got.SystemPrompt == "" || !got.ComplexityTier.Valid() || strings.TrimSpace(got.Description) == "" {
				t.Fatalf("agent %q in the catalog as %+v", a.Name, got)
			}
		}
	})
}
