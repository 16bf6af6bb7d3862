package caddymodule

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
)

// What a refusal does to the connection: a small body is drained by Go and
// the connection kept; a large one unread is answered with Connection:
// close at once; every answer of an endpoint that read its body keeps it.
func TestRefusalsCloseTheConnectionOnlyForALargeUnreadBody(t *testing.T) {
	g := startGateway(t, "")
	k := g.userWithKey("angel", "read", "write")
	client := &http.Client{Transport: &http.Transport{}}
	send := func(path, key, body string) (status int, reused bool) {
		t.Helper()
		req, err := http.NewRequest("POST", g.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
		}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, reused
	}
	send("/v1/leads", k.Key, `{"name":"Ana"}`) // opens the connection
	for _, c := range []struct {
		name, path, key, body string
		status                int
	}{
		{"answered", "/v1/leads", k.Key, `{"name":"Bea"}`, 201},
		{"a large body read and answered", "/v1/knowledge", k.Key, `{"title":"Prices","text":"` + strings.Repeat("price list ", 40_000) + `"}`, 200},
		{"refused by the endpoint after reading", "/v1/leads", k.Key, `{"status":"nope","name":"x"}`, 400},
		{"small body refused before reading", "/v1/leads", "kn_live_wrong", `{"name":"Cy"}`, 401},
	} {
		if status, reused := send(c.path, c.key, c.body); status != c.status || !reused {
			t.Errorf("%s: %d, connection reused %v; want %d on the same connection", c.name, status, reused, c.status)
		}
	}
	// A 2 MiB body refused unread: answered with Connection: close.
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	req, _ := http.NewRequest("POST", g.base+"/v1/leads", bytes.NewBufferString(big))
	req.Header.Set("Authorization", "Bearer kn_live_wrong")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !resp.Close {
		t.Fatalf("large unread body: %d, close %v; want 401 with Connection: close", resp.StatusCode, resp.Close)
	}
}
