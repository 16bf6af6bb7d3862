package videos

import (
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/money"
)

func openDB(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// newStore opens a store on a fresh file whose clock ticks a second per read.
func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kaine.db")
	db := openDB(t, path)
	t.Cleanup(func() { db.Close() })
	s, err := OpenStore(db, tickingClock())
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

func tickingClock() func() time.Time {
	var mu sync.Mutex
	clock := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}
}

func sampleJob(user uint64, prompt string) Job {
	return Job{User: user, Provider: Kling, Ref: ProviderRef{ID: "task-1", Kind: "text2video"},
		Prompt: prompt, Duration: 6, Reserved: money.FromUSD(0.5)}
}

var jobID = regexp.MustCompile(`^vid_[0-9a-f]{16}$`)

func TestAJobIsCreatedAndReadBackByItsAccountOnly(t *testing.T) {
	s, _ := newStore(t)
	j, err := s.Create(sampleJob(1, "a lighthouse"))
	if err != nil {
		t.Fatal(err)
	}
	if !jobID.MatchString(j.ID) || j.State != Queued || j.CreatedAt.IsZero() || !j.UpdatedAt.Equal(j.CreatedAt) || j.FinishedAt != nil {
		t.Fatalf("created %+v", j)
	}
	cases := []struct {
		name string
		user uint64
		id   string
		err  error
	}{
		{"own", 1, j.ID, nil},
		{"another account's", 2, j.ID, ErrNotFound},
		{"missing", 1, "vid_0000000000000000", ErrNotFound},
	}
	for _, c := range cases {
		got, err := s.Get(c.user, c.id)
		if !errors.Is(err, c.err) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.err)
		}
		if c.err == nil && (got.ID != j.ID || got.Ref != j.Ref || got.Reserved != j.Reserved || got.Prompt != "a lighthouse" || !got.CreatedAt.Equal(j.CreatedAt)) {
			t.Fatalf("%s: read back %+v", c.name, got)
		}
	}
	if _, _, err := s.Finish(2, j.ID, Status{State: Failed}, 0); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another account finished the job: %v", err)
	}
}

func TestFinishSettlesAJobExactlyOnceUnderRacingPolls(t *testing.T) {
	s, _ := newStore(t)
	j, err := s.Create(sampleJob(7, "racing"))
	if err != nil {
		t.Fatal(err)
	}
	const racers = 20
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each racer would settle a different cost: only the winner's lands.
			got, won, err := s.Finish(7, j.ID, Status{State: Succeeded, VideoURL: "https://cdn/v.mp4"}, money.MicroUSD(1000+i))
			if err != nil || got.State != Succeeded {
				t.Errorf("finish: %+v %v", got, err)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d calls finished the job, want 1", wins)
	}
	got, _ := s.Get(7, j.ID)
	if got.State != Succeeded || got.VideoURL != "https://cdn/v.mp4" || got.Cost < 1000 || got.Cost >= 1000+racers ||
		got.FinishedAt == nil || !got.UpdatedAt.Equal(*got.FinishedAt) {
		t.Fatalf("finished %+v", got)
	}
	again, won, err := s.Finish(7, j.ID, Status{State: Failed, Failure: "late"}, 0)
	if err != nil || won || again.State != Succeeded || again.Cost != got.Cost {
		t.Fatalf("a late finish changed the job: %+v %v %v", again, won, err)
	}
	if _, _, err := s.Finish(7, j.ID, Status{State: Running}, 0); err == nil {
		t.Fatal("running was taken for a final state")
	}
}

func TestSetRefRecordsTheProvidersIDForTheAccountOnly(t *testing.T) {
	s, _ := newStore(t)
	j, _ := s.Create(Job{User: 1, Provider: FAL, Prompt: "x"})
	ref := ProviderRef{ID: "r1", StatusURL: "https://queue.fal.run/a/b/requests/r1/status", ResponseURL: "https://queue.fal.run/a/b/requests/r1"}
	if err := s.SetRef(2, j.ID, ref); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another account set the ref: %v", err)
	}
	if err := s.SetRef(1, j.ID, ref); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(1, j.ID); got.Ref != ref || got.State != Queued || !got.UpdatedAt.After(got.CreatedAt) {
		t.Fatalf("after SetRef %+v", got)
	}
}

func TestProgressMovesAnUnfinishedJobOnly(t *testing.T) {
	s, _ := newStore(t)
	j, _ := s.Create(sampleJob(1, "x"))
	got, err := s.Progress(1, j.ID, Running)
	if err != nil || got.State != Running || !got.UpdatedAt.After(got.CreatedAt) {
		t.Fatalf("progress: %+v %v", got, err)
	}
	if _, _, err := s.Finish(1, j.ID, Status{State: Failed, Failure: "boom"}, 0); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Progress(1, j.ID, Running); err != nil || got.State != Failed {
		t.Fatalf("a finished job moved back: %+v %v", got, err)
	}
	if _, err := s.Progress(1, j.ID, Succeeded); err == nil {
		t.Fatal("Progress took a final state")
	}
}

func TestUnfinishedJobsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kaine.db")
	db := openDB(t, path)
	s, err := OpenStore(db, tickingClock())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range []struct {
		user  uint64
		state State
	}{{1, Queued}, {2, Running}, {1, Succeeded}, {3, Failed}, {1, Running}} {
		j, err := s.Create(sampleJob(c.user, string(c.state)))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case c.state == Running:
			_, err = s.Progress(c.user, j.ID, Running)
		case c.state.Final():
			_, _, err = s.Finish(c.user, j.ID, Status{State: c.state}, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process: the same file, a new handle, a new store.
	db = openDB(t, path)
	defer db.Close()
	s, err = OpenStore(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	open, err := s.Unfinished()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id    string
		state State
		user  uint64
	}{{ids[0], Queued, 1}, {ids[1], Running, 2}, {ids[4], Running, 1}}
	if len(open) != len(want) {
		t.Fatalf("%d unfinished jobs, want %d: %+v", len(open), len(want), open)
	}
	for i, w := range want {
		if open[i].ID != w.id || open[i].State != w.state || open[i].User != w.user || open[i].Ref.ID != "task-1" ||
			open[i].Reserved != money.FromUSD(0.5) {
			t.Fatalf("unfinished[%d] = %+v, want %+v", i, open[i], w)
		}
	}
	// And they can still be finished, once.
	if _, won, err := s.Finish(2, ids[1], Status{State: Succeeded, VideoURL: "https://cdn/v.mp4"}, 300_000); err != nil || !won {
		t.Fatalf("finish after restart: %v %v", won, err)
	}
	if open, _ := s.Unfinished(); len(open) != 2 {
		t.Fatalf("%d unfinished after one finished", len(open))
	}
}

func TestListIsNewestFirstPerAccount(t *testing.T) {
	s, _ := newStore(t)
	for _, c := range []struct {
		user   uint64
		prompt string
	}{{1, "ana"}, {2, "bo"}, {1, "cy"}, {^uint64(0), "max"}, {1, "di"}, {0, "zero"}} {
		if _, err := s.Create(sampleJob(c.user, c.prompt)); err != nil {
			t.Fatal(err)
		}
	}
	prompts := func(jobs []Job) []string {
		out := make([]string, len(jobs))
		for i, j := range jobs {
			out[i] = j.Prompt
		}
		return out
	}
	cases := []struct {
		user  uint64
		limit int
		want  []string
	}{
		{1, 50, []string{"di", "cy", "ana"}},
		{1, 2, []string{"di", "cy"}},
		{2, 50, []string{"bo"}},
		{0, 50, []string{"zero"}},
		{^uint64(0), 50, []string{"max"}},
		{3, 50, []string{}},
		{1, 0, []string{}},
	}
	for _, c := range cases {
		got, err := s.List(c.user, c.limit)
		if err != nil || got == nil {
			t.Fatalf("list %d: %v %v", c.user, got, err)
		}
		if p := prompts(got); !slices.Equal(p, c.want) {
			t.Fatalf("list(%d, %d) = %v, want %v", c.user, c.limit, p, c.want)
		}
	}
}
