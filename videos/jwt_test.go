package videos

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// parseJWT checks the signature with secret and returns header and claims.
func parseJWT(t *testing.T, tok, secret string) (header map[string]any, claims klingClaims) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", tok)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if got := base64.RawURLEncoding.EncodeToString(mac.Sum(nil)); got != parts[2] {
		t.Fatalf("signature %s, want %s", parts[2], got)
	}
	for i, v := range []any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func TestKlingTokensCarryTheClaimsAndAreRefreshedBeforeExpiry(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	clock := t0
	tokens := &klingTokens{access: "AK1", secret: "s3cret", now: func() time.Time { return clock }}

	first, err := tokens.get()
	if err != nil {
		t.Fatal(err)
	}
	header, claims := parseJWT(t, first, "s3cret")
	if header["alg"] != "HS256" || header["typ"] != "JWT" {
		t.Fatalf("header %v", header)
	}
	if claims.Iss != "AK1" || claims.Exp != t0.Add(30*time.Minute).Unix() || claims.Nbf != t0.Add(-5*time.Second).Unix() {
		t.Fatalf("claims %+v", claims)
	}

	steps := []struct {
		at    time.Duration
		fresh bool // a new token is minted
	}{
		{10 * time.Second, false},
		{24*time.Minute + 59*time.Second, false}, // more than 5 minutes left
		{25 * time.Minute, true},                 // 5 minutes left: replaced
		{26 * time.Minute, false},                // the new one is cached
	}
	prev := first
	for _, s := range steps {
		clock = t0.Add(s.at)
		tok, err := tokens.get()
		if err != nil {
			t.Fatal(err)
		}
		if (tok != prev) != s.fresh {
			t.Fatalf("at +%v: fresh=%v, want %v", s.at, tok != prev, s.fresh)
		}
		if s.fresh {
			if _, c := parseJWT(t, tok, "s3cret"); c.Exp != clock.Add(30*time.Minute).Unix() || c.Nbf != clock.Add(-5*time.Second).Unix() {
				t.Fatalf("refreshed claims %+v", c)
			}
		}
		prev = tok
	}

	tokens.drop("not the cached token")
	if tok, _ := tokens.get(); tok != prev {
		t.Fatal("dropping another token dropped the cached one")
	}
	tokens.drop(prev)
	clock = clock.Add(time.Second)
	if tok, _ := tokens.get(); tok == prev {
		t.Fatal("a dropped token was reused")
	}
}
