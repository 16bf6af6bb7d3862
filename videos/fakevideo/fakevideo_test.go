package fakevideo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var keys = Keys{FAL: "fk", Runway: "rk", KlingAccess: "ak", KlingSecret: "sk", Higgsfield: "hid:hsecret"}

func token(secret string, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	signing := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + enc(mac.Sum(nil))
}

// do sends one request and returns the status and the JSON answer.
func do(t *testing.T, s *Server, method, url, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

func TestTheFakeRefusesWhatTheRealAPIsRefuse(t *testing.T) {
	s := New(keys)
	defer s.Close()
	now := time.Now().Unix()
	good := token("sk", fmt.Sprintf(`{"iss":"ak","exp":%d,"nbf":%d}`, now+1800, now-5))
	cases := []struct {
		name       string
		method     string
		path, body string
		headers    []string
		status     int
		field      string // a field the answer must have
		value      any
	}{
		{"fal bearer", "POST", "/fal/fal-ai/kling-video/v2.1/standard/text-to-video", `{"prompt":"x"}`,
			[]string{"Authorization", "Bearer fk"}, 401, "detail", nil},
		{"fal numeric duration", "POST", "/fal/fal-ai/kling-video/v2.1/standard/text-to-video", `{"prompt":"x","duration":5}`,
			[]string{"Authorization", "Key fk"}, 422, "detail", nil},
		{"fal ok", "POST", "/fal/fal-ai/kling-video/v2.1/standard/text-to-video", `{"prompt":"x","duration":"5"}`,
			[]string{"Authorization", "Key fk"}, 200, "status", "IN_QUEUE"},
		{"runway without version", "POST", "/runway/v1/text_to_video", `{"model":"gen4.5","promptText":"x","ratio":"1280:720","duration":5}`,
			[]string{"Authorization", "Bearer rk"}, 400, "error", nil},
		{"runway duration", "POST", "/runway/v1/text_to_video", `{"model":"gen4.5","promptText":"x","ratio":"1280:720","duration":11}`,
			[]string{"Authorization", "Bearer rk", "X-Runway-Version", runwayVersion}, 400, "issues", nil},
		{"runway turbo text", "POST", "/runway/v1/text_to_video", `{"model":"gen4_turbo","promptText":"x","ratio":"1280:720","duration":5}`,
			[]string{"Authorization", "Bearer rk", "X-Runway-Version", runwayVersion}, 400, "issues", nil},
		{"kling no token", "POST", "/kling/v1/videos/text2video", `{"prompt":"x"}`, nil, 401, "code", float64(klingAuthEmpty)},
		{"kling expired", "POST", "/kling/v1/videos/text2video", `{"prompt":"x"}`,
			[]string{"Authorization", "Bearer " + token("sk", fmt.Sprintf(`{"iss":"ak","exp":%d,"nbf":%d}`, now-1, now-1800))}, 401, "code", float64(klingAuthExpired)},
		{"kling not yet", "POST", "/kling/v1/videos/text2video", `{"prompt":"x"}`,
			[]string{"Authorization", "Bearer " + token("sk", fmt.Sprintf(`{"iss":"ak","exp":%d,"nbf":%d}`, now+3600, now+600))}, 401, "code", float64(klingAuthTooEarly)},
		{"kling wrong secret", "POST", "/kling/v1/videos/text2video", `{"prompt":"x"}`,
			[]string{"Authorization", "Bearer " + token("other", fmt.Sprintf(`{"iss":"ak","exp":%d}`, now+60))}, 401, "code", float64(klingAuthFailed)},
		{"kling numeric duration", "POST", "/kling/v1/videos/text2video", `{"prompt":"x","duration":5}`,
			[]string{"Authorization", "Bearer " + good}, 400, "code", float64(1201)},
		{"kling image missing", "POST", "/kling/v1/videos/image2video", `{"prompt":"x"}`,
			[]string{"Authorization", "Bearer " + good}, 400, "code", float64(1201)},
		{"kling ok", "POST", "/kling/v1/videos/text2video", `{"model_name":"kling-v2-5-turbo","prompt":"x","duration":"10"}`,
			[]string{"Authorization", "Bearer " + good}, 200, "code", float64(0)},
		{"higgsfield split headers", "POST", "/higgsfield/kling-video/v2.1/pro/text-to-video", `{"prompt":"x"}`,
			[]string{"hf-api-key", "hid", "hf-secret", "hsecret"}, 401, "detail", nil},
		{"higgsfield image missing", "POST", "/higgsfield/kling-video/v2.1/pro/image-to-video", `{"prompt":"x"}`,
			[]string{"Authorization", "Key hid:hsecret"}, 422, "detail", nil},
		{"higgsfield ok", "POST", "/higgsfield/kling-video/v2.1/pro/text-to-video", `{"prompt":"x","duration":5}`,
			[]string{"Authorization", "Key hid:hsecret"}, 200, "status", "queued"},
	}
	for _, c := range cases {
		status, answer := do(t, s, c.method, s.URL+c.path, c.body, c.headers...)
		v, has := answer[c.field]
		if status != c.status || !has || c.value != nil && v != c.value {
			t.Errorf("%s: %d %v, want %d with %s=%v", c.name, status, answer, c.status, c.field, c.value)
		}
	}
}

func TestFALStatusURLsNameOnlyOwnerAndApp(t *testing.T) {
	s := New(keys)
	defer s.Close()
	_, q := do(t, s, "POST", s.URL+"/fal/fal-ai/kling-video/v2.1/standard/text-to-video", `{"prompt":"x"}`, "Authorization", "Key fk")
	id := q["request_id"].(string)
	if want := s.URL + "/fal/fal-ai/kling-video/requests/" + id + "/status"; q["status_url"] != want {
		t.Fatalf("status_url %v, want %s", q["status_url"], want)
	}
	// The model's full path is not where the status lives.
	if status, _ := do(t, s, "GET", s.URL+"/fal/fal-ai/kling-video/v2.1/standard/text-to-video/requests/"+id+"/status", "", "Authorization", "Key fk"); status != 404 {
		t.Fatalf("the full model path answered %d", status)
	}
	if status, _ := do(t, s, "GET", q["response_url"].(string), "", "Authorization", "Key fk"); status != 400 {
		t.Fatalf("the result before completion answered %d", status)
	}
	if status, st := do(t, s, "GET", q["status_url"].(string), "", "Authorization", "Key fk"); status != 200 || st["status"] != "COMPLETED" {
		t.Fatalf("status %d %v", status, st)
	}
	if n := len(s.CallsTo("fal")); n != 4 {
		t.Fatalf("%d calls recorded", n)
	}
}
