package videos

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"sync"
	"time"
)

// Kling authenticates every call with a short-lived HS256 JWT signed with
// the account's secret key; no library is needed for one algorithm.
const (
	// tokenLife is the exp Kling's docs use: 30 minutes.
	tokenLife = 30 * time.Minute
	// tokenSkew backdates nbf, so a server clock a little behind ours
	// still accepts a fresh token.
	tokenSkew = 5 * time.Second
	// tokenRefresh is how long before exp a token is replaced, so one
	// never expires between being picked and arriving.
	tokenRefresh = 5 * time.Minute
)

// jwtHeader is {"alg":"HS256","typ":"JWT"}, encoded once.
var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// klingClaims are the claims Kling reads.
type klingClaims struct {
	Iss string `json:"iss"` // the access key
	Exp int64  `json:"exp"` // seconds since the epoch
	Nbf int64  `json:"nbf"`
}

// signHS256 makes a compact JWS of claims.
func signHS256(claims any, secret string) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// klingTokens caches the current token and mints a new one before it
// expires. Safe for concurrent use.
type klingTokens struct {
	access, secret string
	now            func() time.Time

	mu    sync.Mutex
	token string
	exp   time.Time
}

// get returns a token valid for at least tokenRefresh more.
func (t *klingTokens) get() (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if t.token != "" && now.Before(t.exp.Add(-tokenRefresh)) {
		return t.token, nil
	}
	exp := now.Add(tokenLife)
	tok, err := signHS256(klingClaims{Iss: t.access, Exp: exp.Unix(), Nbf: now.Add(-tokenSkew).Unix()}, t.secret)
	if err != nil {
		return "", err
	}
	t.token, t.exp = tok, exp
	return tok, nil
}

// drop forgets token if it is still the cached one, after Kling said it
// expired (our clock and theirs disagree), so the next get mints anew.
func (t *klingTokens) drop(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == token {
		t.token = ""
	}
}
