package caddymodule

import (
	"strings"
	"testing"

	"github.com/keinetech/kaine/videos/fakevideo"
)

// With account A's key nothing of account B's can be read or changed,
// through any endpoint that holds per-account data.
func TestAnAccountSeesAndChangesOnlyItsOwn(t *testing.T) {
	g, fake := startVideoGateway(t)
	a := g.userWithKey("angel", "read", "write")
	b := g.userWithKey("bruno", "read", "write")

	// B's data: a lead, a video, some spending.
	if status, _, data := g.doRaw("POST", "/v1/leads", b.Key, `{"name":"Bruno's client","notes":"private"}`); status != 201 {
		t.Fatalf("b's lead: %d %s", status, data)
	}
	fake.Script("b's video", fakevideo.Outcome{})
	_, video, _ := g.video("POST", "/v1/videos", b.Key, `{"prompt":"b's video","provider":"runway","duration":4}`)
	if _, done, _ := g.video("GET", "/v1/videos/"+video.VideoID, b.Key, ""); done.Status != "succeeded" {
		t.Fatalf("b's video: %+v", done)
	}
	g.waitForRecords(b.UserID, 3)

	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/videos/" + video.VideoID, ""},
		{"PATCH", "/v1/leads/1", `{"notes":"taken over","status":"complete"}`},
	} {
		if status, _, data := g.doRaw(c.method, c.path, a.Key, c.body); status != 404 || !strings.Contains(string(data), `"not_found"`) {
			t.Errorf("%s %s with A's key: %d %s", c.method, c.path, status, data)
		}
	}
	for _, c := range []struct{ path, leak string }{
		{"/v1/leads", "Bruno's client"},
		{"/v1/audit", video.VideoID},
		{"/v1/audit?endpoint=/v1/videos/" + video.VideoID, video.VideoID},
		{"/v1/audit?endpoint=/v1/leads", "bruno"},
		{"/v1/workflows", video.VideoID},
	} {
		status, _, data := g.doRaw("GET", c.path, a.Key, "")
		if status != 200 || strings.Contains(string(data), c.leak) {
			t.Errorf("GET %s with A's key: %d %s", c.path, status, data)
		}
	}
	if used := g.usedUSD(a.Key); used != 0 {
		t.Errorf("A's usage shows B's spending: $%v", used)
	}
	// B's lead is as B left it.
	if _, _, data := g.doRaw("GET", "/v1/leads", b.Key, ""); !strings.Contains(string(data), `"notes":"private"`) || !strings.Contains(string(data), `"status":"new"`) {
		t.Fatalf("b's lead changed: %s", data)
	}
}
