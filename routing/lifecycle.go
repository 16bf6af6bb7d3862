package routing

import (
	"errors"
	"fmt"
	"time"
)

// DeprecationWindow is how long before its shutdown a model's answers
// carry a deprecation notice.
const DeprecationWindow = 30 * 24 * time.Hour

// ErrRetired marks a call naming a model its provider no longer serves.
var ErrRetired = errors.New("model retired")

// RetiredError says which model is gone, since when, and what replaces it.
type RetiredError struct {
	Model       string
	Retired     string // the shutdown day, YYYY-MM-DD
	Replacement string
}

func (e *RetiredError) Error() string {
	msg := fmt.Sprintf("model %s was retired by its provider on %s", e.Model, e.Retired)
	if e.Replacement != "" {
		msg += "; use " + e.Replacement + ", which replaces it"
	}
	return msg
}

func (e *RetiredError) Unwrap() error { return ErrRetired }

// Retired returns the model's RetiredError when its provider has stopped
// serving it at t, else nil.
func (m *Model) Retired(t time.Time) error {
	if m.Retires == "" || dayOf(t) < m.retiresDay {
		return nil
	}
	return &RetiredError{Model: m.ID, Retired: m.Retires, Replacement: m.Replacement}
}

// Deprecation is the notice a call to a model retiring within
// DeprecationWindow of t carries, "2026-12-11; replacement=gpt-5.4" (the
// X-Kaine-Model-Deprecation header), or "".
func (m *Model) Deprecation(t time.Time) string {
	if m.Retires == "" || dayOf(t.Add(DeprecationWindow)) < m.retiresDay || m.Retired(t) != nil {
		return ""
	}
	if m.Replacement == "" {
		return m.Retires
	}
	return m.Retires + "; replacement=" + m.Replacement
}

// dayOf is t's UTC day number.
func dayOf(t time.Time) int64 { return t.Unix() / 86400 }

// parseDay reads a YYYY-MM-DD day into its day number.
func parseDay(s string) (int64, error) {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date like 2027-01-01", s)
	}
	return dayOf(d), nil
}
