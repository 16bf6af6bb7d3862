package websearch

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/keinetech/kaine/websearch/fakebrave"
)

func TestBraveReadsResultsAsPlainText(t *testing.T) {
	fake := fakebrave.New("key-1")
	defer fake.Close()
	fake.Results("boiler repair lisbon",
		fakebrave.Hit{Title: "Lisbon <strong>Boilers</strong>", URL: "https://lisbon-boilers.example/", Description: "<strong>Boiler</strong> repair &amp; service in Lisbon."},
		fakebrave.Hit{Title: "Porto Heat", URL: "https://porto-heat.example/", Description: "Boilers in Porto."})
	got, err := NewBrave(fake.URL, "key-1", nil).Search(context.Background(), "boiler repair lisbon", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != (Result{Title: "Lisbon Boilers", URL: "https://lisbon-boilers.example/", Snippet: "Boiler repair & service in Lisbon."}) {
		t.Fatalf("results %+v", got)
	}
	if none, err := NewBrave(fake.URL, "key-1", nil).Search(context.Background(), "nothing", 5); err != nil || len(none) != 0 {
		t.Fatalf("a search without results: %+v, %v", none, err)
	}
}

func TestBraveErrorsSayWhatHappenedWithoutTheKey(t *testing.T) {
	fake := fakebrave.New("key-1")
	defer fake.Close()
	_, err := NewBrave(fake.URL, "wrong-key", nil).Search(context.Background(), "q", 5)
	if !errors.Is(err, ErrKeyRefused) || strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("a wrong key: %v", err)
	}
	fake.Limit()
	if _, err := NewBrave(fake.URL, "key-1", nil).Search(context.Background(), "q", 5); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("over the rate limit: %v", err)
	}
}
