package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// A Kaine API key is KeyPrefix followed by keySecretLen base62 characters
// drawn from crypto/rand: about 190 bits of entropy, so a plain SHA-256 is
// the right way to store it (no slow hash, no salt, no constant-time compare
// on lookup: nobody can brute-force a 190-bit secret through its hash).
const (
	KeyPrefix    = "kn_live_"
	keySecretLen = 32
	// KeyLen is the full length of a key, prefix included.
	KeyLen = len(KeyPrefix) + keySecretLen
	// displayPrefixLen is how much of a key is kept to show in listings.
	displayPrefixLen = len(KeyPrefix) + 6
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// KeyHash is the SHA-256 of a full key; it is all the store ever keeps.
type KeyHash [sha256.Size]byte

func (h KeyHash) String() string { return hex.EncodeToString(h[:]) }

// ParseKeyHash reads a hash as String writes it.
func ParseKeyHash(s string) (KeyHash, error) {
	var h KeyHash
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, errors.New("a malformed key hash")
	}
	copy(h[:], b)
	return h, nil
}

// newSecret returns a fresh key. Rejection sampling keeps every base62
// character equally likely (256 is not a multiple of 62).
func newSecret() (string, error) {
	out := make([]byte, 0, KeyLen)
	out = append(out, KeyPrefix...)
	var buf [64]byte
	for len(out) < KeyLen {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", fmt.Errorf("reading random bytes: %w", err)
		}
		for _, b := range buf {
			if b >= 248 { // 248 = 4*62: larger values would bias the draw
				continue
			}
			out = append(out, base62[b%62])
			if len(out) == KeyLen {
				break
			}
		}
	}
	return string(out), nil
}

// WellFormed reports whether s has the exact shape of a Kaine key, so
// anything else is refused before any hashing or database read.
func WellFormed(s string) bool {
	if len(s) != KeyLen || s[:len(KeyPrefix)] != KeyPrefix {
		return false
	}
	for i := len(KeyPrefix); i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// HashKey returns the SHA-256 of a key without allocating.
func HashKey(key string) KeyHash {
	if len(key) == KeyLen {
		var buf [KeyLen]byte
		copy(buf[:], key)
		return sha256.Sum256(buf[:])
	}
	return sha256.Sum256([]byte(key))
}

// displayPrefix is the start of a key that listings show so a person can
// tell keys apart; it reveals 6 of the 32 secret characters.
func displayPrefix(key string) string { return key[:displayPrefixLen] }
