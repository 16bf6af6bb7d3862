// Package money is Kaine's one money type: integer micro-USD, formatted in one place.
package money

import (
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
