package jsonstr

import (
	"encoding/json"
	"testing"
)

func TestAppendReadsBackAsTheString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ back`, "line\nbreak\ttab\rcr", "\x00\x01\x1f\x7f",
		"héllo wörld ✓ 🎉", "bad \xff byte", "sep \u2028 \u2029", "<script>&"} {
		got := Append([]byte("x"), s)
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		want := s
		if s == "bad \xff byte" {
			want = "bad \ufffd byte"
		}
		if back != want || got[0] != 'x' {
			t.Errorf("%q: wrote %s, read back %q", s, got, back)
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("a\"b\\c\n\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := Append(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q: %s: %v", s, out, err)
		}
		want, _ := json.Marshal(s)
		var wantBack string
		json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q: read back %q, encoding/json's reads %q", s, back, wantBack)
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	buf := make([]byte, 0, 256)
	for b.Loop() {
		buf = Append(buf[:0], "Hello, \"world\" — a piece of a streamed answer.\n")
	}
}
