// Package money is Kaine's one money type: integer micro-USD, formatted in one place.
package money

import (
	"fmt"
	"strconv"
	"strings"
)

// MicroUSD is money: an integer number of millionths of a US dollar. All
// arithmetic on money is integer; this is the one place that formats it.
type MicroUSD int64

// FromUSD converts a dollar figure from config, rounding to the
// nearest micro-dollar.
func FromUSD(usd float64) MicroUSD {
	if usd < 0 {
		return -FromUSD(-usd)
	}
	return MicroUSD(usd*1e6 + 0.5)
}

// String formats the amount in dollars with up to six decimals: "42.18".
func (m MicroUSD) String() string {
	return string(m.AppendUSD(nil))
}

// AppendUSD appends the amount in dollars, as a JSON number.
func (m MicroUSD) AppendUSD(b []byte) []byte {
	v := int64(m)
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/1e6, 10)
	if frac := v % 1e6; frac != 0 {
		digits := strconv.FormatInt(frac+1e6, 10)[1:] // six digits, zero-padded
		b = append(b, '.')
		b = append(b, strings.TrimRight(digits, "0")...)
	}
	return b
}

// MarshalJSON writes the amount as a JSON number of dollars.
func (m MicroUSD) MarshalJSON() ([]byte, error) { return m.AppendUSD(nil), nil }

// ParseUSD reads a decimal dollar amount ("0.075", "15", "-2.5") exactly,
// with at most six decimals; there is no float on the way.
func ParseUSD(s string) (MicroUSD, error) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(digits, ".")
	if whole == "" && frac == "" || len(frac) > 6 || !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("%q is not a dollar amount with at most six decimals", s)
	}
	w := int64(0)
	if whole != "" {
		var err error
		if w, err = strconv.ParseInt(whole, 10, 64); err != nil || w > maxWholeUSD {
			return 0, fmt.Errorf("%q is too large a dollar amount", s)
		}
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
	}
	m := MicroUSD(w*1e6 + f)
	if neg {
		m = -m
	}
	return m, nil
}

// maxWholeUSD keeps w*1e6 inside int64.
const maxWholeUSD = 9_000_000_000_000

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// UnmarshalJSON reads a JSON number of dollars exactly.
func (m *MicroUSD) UnmarshalJSON(b []byte) error {
	v, err := ParseUSD(string(b))
	if err != nil {
		return fmt.Errorf("money: %w", err)
	}
	*m = v
	return nil
}
