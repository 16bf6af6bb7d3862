package videos

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/keinetech/kaine/internal/keyrange"
	"github.com/keinetech/kaine/money"
)

var (
	// bucketJobs maps a job's id to the job's JSON.
	bucketJobs = []byte("videos")
	// bucketByUser indexes jobs by account + creation time + id (no
	// value), so an account's jobs are one key range in creation order.
	bucketByUser = []byte("videos_by_user")
	// bucketUnfinished holds the ids of jobs not yet ended, so following
	// them reads only those, however many jobs there have been.
	bucketUnfinished = []byte("videos_unfinished")
)

// ErrNotFound is returned for a job that does not exist in the account,
// including another account's job: the two must look the same.
var ErrNotFound = errors.New("video job not found")

// Job is Kaine's record of one video job.
type Job struct {
	// ID is Kaine's id: "vid_" and 16 random hex digits.
	ID   string `json:"id"`
	User uint64 `json:"user"`
	// KeyID is the key that submitted the job, for the audit record of
	// the job's end when no request sees it.
	KeyID    uint64      `json:"key_id,omitempty"`
	Provider string      `json:"provider"`
	Ref      ProviderRef `json:"ref"`
	Prompt   string      `json:"prompt"`
	ImageURL string      `json:"image_url,omitempty"`
	Duration int         `json:"duration"`
	State    State       `json:"state"`
	VideoURL string      `json:"video_url,omitempty"`
	Failure  string      `json:"failure,omitempty"`
	// Reserved is what was held against the cap at submit; Cost is what
	// was settled when the job finished.
	Reserved money.MicroUSD `json:"reserved_usd"`
	Cost     money.MicroUSD `json:"cost_usd"`
	// HoldLease names the hold on the cap in a ledger that names them (a
	// fleet's), so a restart takes the same hold up again.
	HoldLease  uint64     `json:"hold_lease,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Store keeps every account's video jobs.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// OpenStore creates the buckets if needed. now is the clock (time.Now if nil).
func OpenStore(db *bolt.DB, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	err := db.Update(func(tx *bolt.Tx) error {
		return keyrange.CreateBuckets(tx, bucketJobs, bucketByUser, bucketUnfinished)
	})
	if err != nil {
		return nil, fmt.Errorf("preparing the video buckets: %w", err)
	}
	return &Store{db: db, now: now}, nil
}

// Create stores a new job, giving it its id, its timestamps and the state
// queued unless it has one.
func (s *Store) Create(j Job) (Job, error) {
	if j.State == "" {
		j.State = Queued
	}
	j.CreatedAt = s.now().UTC()
	j.UpdatedAt = j.CreatedAt
	err := s.db.Update(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		// 64 random bits make a collision unlikely, not impossible; a
		// clash is drawn again rather than overwriting a job.
		for {
			id, err := newID()
			if err != nil {
				return err
			}
			if jobs.Get([]byte(id)) == nil {
				j.ID = id
				break
			}
		}
		if err := put(tx, j); err != nil {
			return err
		}
		if err := tx.Bucket(bucketUnfinished).Put([]byte(j.ID), nil); err != nil {
			return err
		}
		return tx.Bucket(bucketByUser).Put(userKey(j.User, j.CreatedAt, j.ID), nil)
	})
	if err != nil {
		return Job{}, fmt.Errorf("creating a video job: %w", err)
	}
	return j, nil
}

// Get returns the account's job id; ErrNotFound if it has none by that id.
func (s *Store) Get(user uint64, id string) (Job, error) {
	var j Job
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		j, err = get(tx, user, id)
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("reading video job %s: %w", id, err)
	}
	return j, nil
}

// SetRef records what the provider gave back for a submitted job: the
// job is created first, so its id can go to the provider as Request.Ref.
func (s *Store) SetRef(user uint64, id string, ref ProviderRef) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		j, err := get(tx, user, id)
		if err != nil {
			return err
		}
		j.Ref, j.UpdatedAt = ref, s.now().UTC()
		return put(tx, j)
	})
	if err != nil {
		return fmt.Errorf("recording the provider's id for video job %s: %w", id, err)
	}
	return nil
}

// Progress records that a job not yet final is queued or running; a final
// job is returned unchanged.
func (s *Store) Progress(user uint64, id string, st State) (Job, error) {
	if st.Final() {
		return Job{}, fmt.Errorf("updating video job %s: %q is final: use Finish", id, st)
	}
	var j Job
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if j, err = get(tx, user, id); err != nil || j.State.Final() || j.State == st {
			return err
		}
		j.State, j.UpdatedAt = st, s.now().UTC()
		return put(tx, j)
	})
	if err != nil {
		return Job{}, fmt.Errorf("updating video job %s: %w", id, err)
	}
	return j, nil
}

// Finish sets a job's final state, video URL or failure, and cost, once:
// it reads and writes in one transaction, and bbolt runs one write
// transaction at a time, so of several racing calls exactly one finds the
// job unfinished. That call gets true and settles the cost; the others get
// the job as it was finished and false.
func (s *Store) Finish(user uint64, id string, st Status, cost money.MicroUSD) (Job, bool, error) {
	if !st.State.Final() {
		return Job{}, false, fmt.Errorf("finishing video job %s: %q is not a final state", id, st.State)
	}
	var (
		j   Job
		won bool
	)
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		if j, err = get(tx, user, id); err != nil || j.State.Final() {
			return err
		}
		now := s.now().UTC()
		j.State, j.VideoURL, j.Failure, j.Cost = st.State, st.VideoURL, st.Failure, cost
		j.UpdatedAt, j.FinishedAt = now, &now
		won = true
		if err := tx.Bucket(bucketUnfinished).Delete([]byte(id)); err != nil {
			return err
		}
		return put(tx, j)
	})
	if err != nil {
		return Job{}, false, fmt.Errorf("finishing video job %s: %w", id, err)
	}
	return j, won, nil
}

// Unfinished returns every job still queued or running, oldest first, so
// that they can be polled to an end (and, after a restart, their
// reservations held again). It reads only the index of unfinished jobs.
func (s *Store) Unfinished() ([]Job, error) {
	out := []Job{}
	err := s.db.View(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		return tx.Bucket(bucketUnfinished).ForEach(func(k, _ []byte) error {
			v := jobs.Get(k)
			if v == nil {
				return nil
			}
			var j Job
			if err := json.Unmarshal(v, &j); err != nil {
				return fmt.Errorf("decoding: %w", err)
			}
			if !j.State.Final() {
				out = append(out, j)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing unfinished video jobs: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Job) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// List returns up to limit of the account's jobs, newest first.
func (s *Store) List(user uint64, limit int) ([]Job, error) {
	out := []Job{}
	if limit <= 0 {
		return out, nil
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := userPrefix(user)
		c := tx.Bucket(bucketByUser).Cursor()
		// Seek past the account's range and step back into it.
		k, _ := c.Seek(userPrefix(user + 1))
		if user == ^uint64(0) || k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Prev() {
			j, err := get(tx, user, string(k[len(prefix)+8:]))
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing video jobs: %w", err)
	}
	return out, nil
}

// get reads a job of the account inside tx.
func get(tx *bolt.Tx, user uint64, id string) (Job, error) {
	data := tx.Bucket(bucketJobs).Get([]byte(id))
	if data == nil {
		return Job{}, ErrNotFound
	}
	var j Job
	if err := json.Unmarshal(data, &j); err != nil {
		return Job{}, fmt.Errorf("decoding: %w", err)
	}
	if j.User != user {
		return Job{}, ErrNotFound
	}
	return j, nil
}

func put(tx *bolt.Tx, j Job) error {
	data, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encoding: %w", err)
	}
	return tx.Bucket(bucketJobs).Put([]byte(j.ID), data)
}

func newID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("drawing a job id: %w", err)
	}
	return "vid_" + hex.EncodeToString(b[:]), nil
}

func userPrefix(user uint64) []byte { return binary.BigEndian.AppendUint64(nil, user) }

// userKey orders an account's jobs by creation time; the id after it
// keeps two jobs created in the same nanosecond apart.
func userKey(user uint64, created time.Time, id string) []byte {
	k := binary.BigEndian.AppendUint64(userPrefix(user), uint64(created.UnixNano()))
	return append(k, id...)
}
