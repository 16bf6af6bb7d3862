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

func TestParseUSDIsExact(t *testing.T) {
	for s, want := range map[string]MicroUSD{"0.075": 75_000, "15": 15_000_000, "0.000001": 1, "-2.5": -2_500_000, ".5": 500_000, "3.": 3_000_000} {
		if got, err := ParseUSD(s); err != nil || got != want {
			t.Errorf("ParseUSD(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", ".", "1.0000001", "1e3", "abc", "1.2.3", "--1", "99999999999999999"} {
		if _, err := ParseUSD(s); err == nil {
			t.Errorf("ParseUSD(%q) succeeded", s)
		}
	}
	var m MicroUSD
	if err := m.UnmarshalJSON([]byte("0.0005")); err != nil || m != 500 {
		t.Fatalf("UnmarshalJSON = %d, %v", m, err)
	}
}
