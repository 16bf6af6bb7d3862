package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/keinetech/kaine/videos/fakevideo"
)

// A video job runs longer than a lease: its hold is renewed while it
// runs, the same hold is taken up again after a SIGKILL (never a second
// one), and it ends settled at the job's cost.
func TestAVideoJobsHoldOutlivesLeasesAndAKill(t *testing.T) {
	if redisServer == nil {
		t.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	fake := fakevideo.New(fakevideo.Keys{Runway: "rw-key"})
	defer fake.Close()
	home := newInstance(t)
	home.providers = fmt.Sprintf(`video runway {
			base_url %s
			api_key rw-key
			price_per_second 0.05
		}
		tier small {
			cap_usd 1
			rpm 100000
		}
		fleet {
			redis %s
			prefix %s
			lease 10s
		}`, fake.BaseURL("runway"), redisServer.URL(), fleetPrefix(t))
	home.writeConfig(testDocs)
	home.start()
	key, _ := fleetUser(home, "ada", "small")
	status, body := call("POST", home.base+"/v1/videos", key, `{"prompt":"a lighthouse at dusk","duration":10,"provider":"runway"}`)
	if status != 200 {
		t.Fatalf("submit: %d %s", status, body)
	}
	var job struct {
		VideoID string `json:"video_id"`
	}
	json.Unmarshal(body, &job)
	held := func(when string) {
		t.Helper()
		_, body := call("GET", home.base+"/v1/usage", key, "")
		if !bytes.Contains(body, []byte(`"used_usd":0,`)) || !bytes.Contains(body, []byte(`"reserved_usd":0.5}`)) {
			t.Fatalf("%s: the job's $0.50 is not held once: %s", when, body)
		}
	}
	held("after submit")
	time.Sleep(13 * time.Second) // past the 10s lease: renewed meanwhile
	held("past its lease")

	home.cmd.Process.Kill()
	home.cmd.Wait()
	home.start()
	held("after a SIGKILL and a restart")
	time.Sleep(12 * time.Second) // the old process's last renewal has run out
	held("a lease after the restart")

	within(t, 5*time.Second, "the job ends", func() bool {
		_, body := call("GET", home.base+"/v1/videos/"+job.VideoID, key, "")
		return bytes.Contains(body, []byte(`"status":"succeeded"`))
	})
	within(t, 2*time.Second, "the job settled at its cost, its hold ended", func() bool {
		_, body := call("GET", home.base+"/v1/usage", key, "")
		return bytes.Contains(body, []byte(`"used_usd":0.5,`)) && bytes.Contains(body, []byte(`"reserved_usd":0}`))
	})
}
