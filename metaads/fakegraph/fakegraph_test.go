package fakegraph_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/keinetech/kaine/metaads/fakegraph"
)

// post sends form with the token as the access_token field, as Graph also accepts.
func post(t *testing.T, s *fakegraph.Server, edge string, form url.Values) (int, map[string]any) {
	t.Helper()
	form.Set("access_token", s.Token)
	resp, err := http.PostForm(s.URL+"/"+s.Version+"/act_"+s.AdAccount+"/"+edge, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestRefusesAnythingButPaused(t *testing.T) {
	s := fakegraph.New()
	defer s.Close()
	status, body := post(t, s, "campaigns", url.Values{
		"name": {"Live"}, "objective": {"OUTCOME_TRAFFIC"}, "status": {"ACTIVE"}, "special_ad_categories": {"[]"},
	})
	if status != 400 || !strings.Contains(body["error"].(map[string]any)["message"].(string), "PAUSED") {
		t.Errorf("%d %v", status, body)
	}
	if len(s.Campaigns()) != 0 {
		t.Error("an ACTIVE campaign was kept")
	}
}

func TestNamesAMissingField(t *testing.T) {
	s := fakegraph.New()
	defer s.Close()
	status, body := post(t, s, "campaigns", url.Values{"name": {"No objective"}, "status": {"PAUSED"}, "special_ad_categories": {"[]"}})
	graphErr := body["error"].(map[string]any)
	if status != 400 || graphErr["code"].(float64) != 100 || !strings.Contains(graphErr["message"].(string), "objective") {
		t.Errorf("%d %v", status, body)
	}
}
