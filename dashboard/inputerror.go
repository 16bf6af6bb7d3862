package dashboard

import (
	"errors"

	"github.com/keinetech/kaine/accounts"
)

// InputError marks err as the operator's own mistake, such as an unknown
// tier: the console shows its message on the page and logs nothing.
// Errors wrapping accounts.ErrInvalidInput or accounts.ErrUsernameTaken
// count as such without it. Any other error an Operator returns is
// logged, and the console answers with a plain error page.
func InputError(err error) error {
	if err == nil {
		return nil
	}
	return inputError{err}
}

type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// operatorMistake reports whether the console should show err to the
// operator.
func operatorMistake(err error) bool {
	return errors.As(err, new(inputError)) || errors.Is(err, accounts.ErrInvalidInput) || errors.Is(err, accounts.ErrUsernameTaken) ||
		errors.Is(err, accounts.ErrUserNotFound)
}
