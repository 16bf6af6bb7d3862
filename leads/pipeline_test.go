package leads

import (
	"testing"
	"time"
)

func TestPipelineCountsTheAccountsLeadsOnly(t *testing.T) {
	s := newStore(t)
	for i, l := range []Lead{{Name: "A", Source: "ads"}, {Name: "B", Source: "ads"}, {Name: "C", Source: "referral"}, {Name: "D"}} {
		created, err := s.Create(1, l)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			status := Booked
			if _, err := s.Update(1, created.ID, Patch{Status: &status}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Create(2, Lead{Name: "Other", Source: "ads"}); err != nil {
		t.Fatal(err)
	}
	p, err := s.Pipeline(1, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 4 || p.ByStatus[Booked] != 1 || p.ByStatus[New] != 3 || p.BySource["ads"] != 2 || p.BySource[""] != 1 || p.NewSince != 4 {
		t.Fatalf("pipeline %+v", p)
	}
	if p, _ := s.Pipeline(1, time.Now().Add(time.Hour)); p.Total != 4 || p.NewSince != 0 || len(p.NewByStatus) != 0 {
		t.Fatalf("since an hour from now: %+v", p)
	}
}
