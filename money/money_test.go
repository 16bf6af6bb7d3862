package money

import "testing"

func TestFormatting(t *testing.T) {
	const dollar = MicroUSD(1_000_000)
	for m, want := range map[MicroUSD]string{0: "0", 5: "0.000005", 42_180_000: "42.18", 500 * dollar: "500", -1_500_000: "-1.5"} {
		if got := m.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int64(m), got, want)
		}
	}
	if FromUSD(0.000005) != 5 || FromUSD(457.82) != 457_820_000 || FromUSD(-0.25) != -250_000 {
		t.Fatal("FromUSD rounds wrong")
	}
}
