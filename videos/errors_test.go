package videos

import (
	"strings"
	"testing"
)

func TestCleanRemovesAnythingKeyLike(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJBSyJ9.c2lnbmF0dXJl"
	cases := []struct {
		in, want string
		secrets  []string
	}{
		{"bad key abcd:efgh for you", "bad key [redacted] for you", []string{"abcd:efgh"}},
		{"token " + jwt + " expired", "token [redacted] expired", nil},
		{"Authorization: Bearer sk-live-12345678 refused", "Authorization: Bearer [redacted] refused", nil},
		{"secret 0123456789abcdef0123456789abcdef0123 leaked", "secret [redacted] leaked", nil},
		{"request 764cabcf-b745-4c16-946b-35dbbce2af2f failed", "request 764cabcf-b745-4c16-946b-35dbbce2af2f failed", nil},
		{"The key provided is invalid", "The key provided is invalid", nil},
		{"content_policy_violation_detected_in_prompt", "content_policy_violation_detected_in_prompt", nil},
		{"  many\n\tspaces  ", "many spaces", nil},
	}
	for _, c := range cases {
		if got := clean(c.in, c.secrets); got != c.want {
			t.Errorf("clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := clean(strings.Repeat("é ", 400), nil)
	if !strings.HasSuffix(long, "…") || len([]rune(long)) != maxMessage+1 {
		t.Errorf("a long message is %d runes", len([]rune(long)))
	}
}

func TestDetailMessageReadsFastAPIErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"detail":"Not enough credits"}`, "Not enough credits"},
		{`{"detail":[{"loc":["body","prompt"],"msg":"Field required","type":"missing"},{"loc":["body","duration"],"msg":"bad"}]}`, "prompt: Field required; duration: bad"},
		{`{"error":"boom"}`, "boom"},
		{`{"message":"nope"}`, "nope"},
		{`404 page not found`, "404 page not found"},
		{`<html><body>502</body></html>`, ""},
	}
	for _, c := range cases {
		if got := detailMessage([]byte(c.body)); got != c.want {
			t.Errorf("detailMessage(%s) = %q, want %q", c.body, got, c.want)
		}
	}
}
