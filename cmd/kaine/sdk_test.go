package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keinetech/kaine/routing/fakeupstream"
	"github.com/keinetech/kaine/videos/fakevideo"
)

// The three SDKs (sdk/go, sdk/js, sdk/python), each tested by its own
// language's runner against one gateway with fake providers: the
// variables sdk/README.md names say where it is and which keys to use.
func TestSDKs(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := fakeupstream.Serve(l, fakeupstream.Options{Forget: true, Respond: sdkReply})
	defer fake.Close()
	video := fakevideo.New(fakevideo.Keys{Runway: "rw-key"})
	defer video.Close()
	in := newInstance(t)
	in.providers = fmt.Sprintf(`provider anthropic {
			api_key fake-anthropic
			base_url %[1]s
		}
		provider google {
			api_key fake-google
			base_url %[1]s
		}
		provider openai {
			api_key fake-openai
			base_url %[1]s/v1
		}
		video runway {
			base_url %[2]s
			api_key rw-key
			price_per_second 0.05
		}
		tier roomy {
			cap_usd 1000
			rpm 100000
		}
		tier limited {
			cap_usd 1000
			rpm 60
		}`, fake.URL, video.BaseURL("runway"))
	in.writeConfig(testDocs)
	in.start()
	in.adminJSON("POST", "/kaine/users", map[string]string{"username": "sdk", "email": "sdk@example.com", "tier": "roomy"}, nil, http.StatusCreated)
	key, _ := in.anotherKey("sdk", "read,write")
	readKey, _ := in.anotherKey("sdk", "read")

	suites := []struct {
		name, dir string
		command   []string
	}{
		{"go", "sdk/go", []string{"go", "test", "-count=1", "./..."}},
		{"js", "sdk/js", []string{"node", "--test"}},
		{"python", "sdk/python", []string{"python3", "-m", "unittest", "discover", "-s", "tests", "-t", "."}},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			if _, err := exec.LookPath(s.command[0]); err != nil {
				if os.Getenv("CI") != "" {
					t.Fatalf("%s is not installed (.ci/install-deps installs it)", s.command[0])
				}
				t.Skipf("%s is not installed", s.command[0])
			}
			// An account of its own at 60 a minute, so each suite sees
			// its own burst end in 429.
			limited := "sdk-limited-" + s.name
			in.adminJSON("POST", "/kaine/users", map[string]string{"username": limited, "email": limited + "@example.com", "tier": "limited"}, nil, http.StatusCreated)
			limitedKey, _ := in.anotherKey(limited, "read,write")
			cmd := exec.Command(s.command[0], s.command[1:]...)
			cmd.Dir = filepath.Join("..", "..", s.dir)
			cmd.Env = append(os.Environ(), "KAINE_BASE_URL="+in.base, "KAINE_API_KEY="+key,
				"KAINE_READ_KEY="+readKey, "KAINE_LIMITED_KEY="+limitedKey, "GOWORK=off", "GOFLAGS=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s in %s: %v\n%s", strings.Join(s.command, " "), s.dir, err, out)
			}
			t.Logf("%s", lastLines(out, 8))
		})
	}
}

// sdkReply is the fake providers' answer to a call: page copy to a
// landing page's brief, an accepting verdict to an agent's critique, and
// a line of text to anything else (streamed as words).
func sdkReply(got fakeupstream.Received) fakeupstream.Reply {
	usage := fakeupstream.Usage{InputTokens: 40, OutputTokens: 12}
	switch {
	case bytes.Contains(got.Body, []byte("call_to_action")):
		return fakeupstream.Reply{Usage: usage, Text: `{"headline":"Built right","subheadline":"Commercial construction in Salinas",` +
			`"sections":[{"title":"Who we are","body":"Family-owned since the start."}],` +
			`"services":[{"name":"Tenant improvements","description":"Offices and shops."}],` +
			`"call_to_action":{"text":"Get a quote","detail":"Tell us about your project."}}`}
	case bytes.Contains(got.Body, []byte(`\"verdict\"`)):
		return fakeupstream.Reply{Usage: usage, Text: `{"verdict":"accept","critique":"Does what the goal asks."}`}
	}
	return fakeupstream.Reply{Usage: usage, Text: "Hello from Kaine's fake provider."}
}

// lastLines is the end of a runner's output: its summary.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
