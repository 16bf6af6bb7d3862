package agents

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
)

var (
	// bucketRuns maps account + id to the run, so an account's runs are one
	// key range, newest (highest id) last.
	bucketRuns = []byte("agent_runs")
	// bucketRunning holds the keys of runs still running (no value), so
	// opening the store finds the runs a crash cut short without reading
	// every run.
	bucketRunning = []byte("agent_runs_running")
	// bucketNextID holds each account's last run id: ids count per
	// account, so they tell nothing of other accounts' runs.
	bucketNextID = []byte("agent_runs_next_id")
)

// ErrNotFound is returned for a run that does not exist in the account,
// including another account's run: the two must look the same.
var ErrNotFound = errors.New("agent run not found")

// interrupted is the error of a run the gateway stopped in the middle of.
const interrupted = "interrupted: the gateway stopped during the run"

// Store keeps every account's agent runs.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// OpenStore creates the buckets if needed and fails the runs left running
// by a gateway that stopped without finishing them. now is the clock
// (time.Now if nil).
//
// Open it once per process, before any run starts: a second store opened
// while runs are going would fail them.
func OpenStore(db *bolt.DB, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	s := &Store{db: db, now: now}
	err := db.Update(func(tx *bolt.Tx) error {
		if err := keyrange.CreateBuckets(tx, bucketRuns, bucketRunning, bucketNextID); err != nil {
			return err
		}
		return s.failInterrupted(tx)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing the agent run buckets: %w", err)
	}
	return s, nil
}

func (s *Store) failInterrupted(tx *bolt.Tx) error {
	var keys [][]byte
	err := tx.Bucket(bucketRunning).ForEach(func(k, _ []byte) error {
		keys = append(keys, k) // bbolt forbids changing a bucket while iterating it
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		data := tx.Bucket(bucketRuns).Get(k)
		if data == nil {
			if err := tx.Bucket(bucketRunning).Delete(k); err != nil {
				return err
			}
			continue
		}
		var r Run
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("decoding run %x: %w", k, err)
		}
		r.Status, r.Error = Failed, interrupted
		if r.Summary == "" {
			r.Summary = "The run was interrupted when the gateway stopped."
		}
		if err := s.putAt(tx, &r, s.now().UTC()); err != nil {
			return fmt.Errorf("failing interrupted run %d of account %d: %w", r.ID, r.Account, err)
		}
	}
	return nil
}

// Create stores a new run for r.Account, giving it its id, the status
// running unless it has one, and its timestamps.
func (s *Store) Create(r Run) (Run, error) {
	if r.Status == "" {
		r.Status = Running
	}
	r.CreatedAt = s.now().UTC()
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if r.ID, err = keyrange.NextID(tx.Bucket(bucketNextID), r.Account); err != nil {
			return err
		}
		return s.putAt(tx, &r, r.CreatedAt)
	})
	if err != nil {
		return Run{}, fmt.Errorf("creating an agent run: %w", err)
	}
	return r, nil
}

// Save stores r over the run it was created as and returns it with its
// timestamps: UpdatedAt, and FinishedAt once the status is final.
// ErrNotFound if the account has no run r.ID.
func (s *Store) Save(r Run) (Run, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketRuns).Get(keyrange.Key(r.Account, r.ID)) == nil {
			return ErrNotFound
		}
		return s.putAt(tx, &r, s.now().UTC())
	})
	if err != nil {
		return Run{}, fmt.Errorf("saving agent run %d: %w", r.ID, err)
	}
	return r, nil
}

// putAt writes the run as updated at now, keeping the running index in
// step with its status.
func (s *Store) putAt(tx *bolt.Tx, r *Run, now time.Time) error {
	r.UpdatedAt = now
	if r.Status.Final() && r.FinishedAt == nil {
		r.FinishedAt = &now
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	key := keyrange.Key(r.Account, r.ID)
	if err := tx.Bucket(bucketRuns).Put(key, data); err != nil {
		return err
	}
	if r.Status.Final() {
		return tx.Bucket(bucketRunning).Delete(key)
	}
	return tx.Bucket(bucketRunning).Put(key, nil)
}

// Get returns the account's run id; ErrNotFound if it has none by that id.
func (s *Store) Get(account, id uint64) (Run, error) {
	var r Run
	err := s.db.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketRuns).Get(keyrange.Key(account, id))
		if data == nil {
			return ErrNotFound
		}
		return json.Unmarshal(data, &r)
	})
	if err != nil {
		return Run{}, fmt.Errorf("reading agent run %d: %w", id, err)
	}
	return r, nil
}

// List returns up to limit of the account's runs, newest first.
func (s *Store) List(account uint64, limit int) ([]Run, error) {
	var out []Run
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		out, err = keyrange.Newest[Run](tx.Bucket(bucketRuns), account, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing agent runs: %w", err)
	}
	return out, nil
}
