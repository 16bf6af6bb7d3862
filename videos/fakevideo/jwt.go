package fakevideo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// Kling's auth error codes.
const (
	klingAuthFailed   = 1000
	klingAuthEmpty    = 1001
	klingAuthInvalid  = 1002
	klingAuthTooEarly = 1003
	klingAuthExpired  = 1004
)

// verifyKling checks a Kling bearer token as Kling does: an HS256 JWT
// signed with the secret key, iss the access key, within nbf..exp. It
// returns 0 or the error code.
func verifyKling(authorization, access, secret string, now time.Time) int {
	tok, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || tok == "" {
		return klingAuthEmpty
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return klingAuthInvalid
	}
	var header struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if !decodePart(parts[0], &header) || header.Alg != "HS256" {
		return klingAuthInvalid
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return klingAuthFailed
	}
	var claims struct {
		Iss string `json:"iss"`
		Exp *int64 `json:"exp"`
		Nbf *int64 `json:"nbf"`
	}
	switch {
	case !decodePart(parts[1], &claims) || claims.Exp == nil:
		return klingAuthInvalid
	case claims.Iss != access:
		return klingAuthFailed
	case now.Unix() >= *claims.Exp:
		return klingAuthExpired
	case claims.Nbf != nil && now.Unix() < *claims.Nbf:
		return klingAuthTooEarly
	}
	return 0
}

func decodePart(part string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(part)
	return err == nil && json.Unmarshal(b, v) == nil
}
