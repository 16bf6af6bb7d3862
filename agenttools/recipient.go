package agenttools

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/internal/mailaddr"
	"github.com/keinetech/kaine/leads"
)

// contact is the kind of address a channel sends to.
type contact int

const (
	emailAddress contact = iota
	phoneNumber
)

func (c contact) String() string {
	if c == phoneNumber {
		return "phone number"
	}
	return "email address"
}

// of is the lead's address of this kind.
func (c contact) of(l leads.Lead) string {
	if c == phoneNumber {
		return l.Phone
	}
	return l.Email
}

// recipient is the checked address a message goes to: to as the model
// gave it, or the account's lead leadID's. Models often send both; they
// are taken when they name the same address and refused when they differ.
// A phone number comes back in E.164 form, as the providers take it.
func (m messenger) recipient(env agents.Env, kind contact, to string, leadID uint64) (string, error) {
	if to == "" && leadID == 0 {
		return "", fmt.Errorf("send to (the %s) or lead_id (a lead's id from crm_search)", kind)
	}
	var given string
	if to != "" {
		var err error
		if given, err = checkedAddress(kind, to, "to"); err != nil {
			return "", err
		}
		if leadID == 0 {
			return given, nil
		}
	}
	l, err := m.crm.Get(env.Account, leadID)
	if err != nil {
		return "", leadError(leadID, err)
	}
	stored := kind.of(l)
	if stored == "" {
		if to != "" {
			return "", fmt.Errorf("lead %d has no %s to check to against; send to without lead_id, or add it to the lead first", leadID, kind)
		}
		return "", fmt.Errorf("lead %d has no %s; send to with one instead", leadID, kind)
	}
	whose := fmt.Sprintf("lead %d's %s %s", leadID, kind, strconv.Quote(clip.Runes(stored, 64)))
	address, err := checkedAddress(kind, stored, whose)
	if err != nil {
		return "", err
	}
	if to != "" && !strings.EqualFold(given, address) {
		return "", fmt.Errorf("to %s and %s differ; send one of them", strconv.Quote(clip.Runes(to, 64)), whose)
	}
	return address, nil
}

// checkedAddress returns the address in the form the channel sends to, or
// an error naming whose address (what the model sent, or a lead's) it is.
func checkedAddress(kind contact, address, whose string) (string, error) {
	if kind == phoneNumber {
		number, ok := e164(address)
		if !ok {
			return "", fmt.Errorf("%s is not a phone number in international form: + and the country code, like +15550100123", whose)
		}
		return number, nil
	}
	if len(address) > leads.MaxEmail || !mailaddr.Plain(address) {
		return "", fmt.Errorf("%s is not a bare email address like ana@example.com", whose)
	}
	return address, nil
}

// e164 returns s in E.164 form as outbox checks it, '+' and 8 to 15
// digits, without the spaces, dots, dashes and parentheses people write in
// numbers; ok is false when s is not such a number. A number without '+'
// is refused: its country cannot be known.
func e164(s string) (number string, ok bool) {
	digits, found := strings.CutPrefix(strings.TrimSpace(s), "+")
	if !found {
		return "", false
	}
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range digits {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	number = b.String()
	n := len(number) - 1
	return number, n >= 8 && n <= 15 && number[1] != '0'
}
