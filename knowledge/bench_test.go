package knowledge

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func priceList(size int) string {
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "Item %d costs %d.%02d and ships in %d days.\n", i, i%300, i%100, 1+i%9)
	}
	return b.String()[:size]
}

func BenchmarkAddLargeDocument(b *testing.B) {
	s := storeAt(b, b.TempDir()+"/kaine.db")
	text := priceList(MaxText)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := s.Add(1, Doc{Title: "Price list", Text: text}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	s := storeAt(b, b.TempDir()+"/kaine.db")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		if _, err := s.Add(1, Doc{Title: fmt.Sprintf("Doc %d", i), Text: randomText(rng)}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := s.Search(1, "gift card refund policy", 10); err != nil {
			b.Fatal(err)
		}
	}
}
