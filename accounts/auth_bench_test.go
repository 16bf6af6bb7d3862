package accounts

import "testing"

// BenchmarkAuthenticateWarm measures the auth step for a cached key: format
// check, SHA-256, cache lookup, revocation check and last-used bookkeeping.
func BenchmarkAuthenticateWarm(b *testing.B) {
	s, _, _ := testStore(b)
	u := mustUser(b, s, "bench")
	secret, _, err := s.CreateKey(u.ID, "", ScopeRead)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Authenticate(secret); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Authenticate(secret); err != nil {
				b.Fatal(err)
			}
		}
	})
}
