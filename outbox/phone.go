package outbox

import (
	"fmt"
	"strings"

	"github.com/keinetech/kaine/internal/clip"
)

// checkPhone makes sure s is an E.164 number; role names it in the error.
// Numbers are not reformatted: what is recorded is what was sent.
func checkPhone(role, s string) error {
	if !isE164(s) {
		return fmt.Errorf("the %s number %q is not in E.164 form: + and 8 to 15 digits, e.g. +14155550100", role, clip.Runes(s, 40))
	}
	return nil
}

// isE164 is true for + and 8 to 15 digits, the first not 0 (no country
// code starts with 0).
func isE164(s string) bool {
	digits, ok := strings.CutPrefix(s, "+")
	if !ok || len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
