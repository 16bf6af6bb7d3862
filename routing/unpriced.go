package routing

import (
	"fmt"
	"time"
)

// What a provider does with a call naming a model the table has no price
// for, on the gateway's key (a call on the caller's own key may name any
// model: it pays the BYOK fee).
const (
	// UnpricedRefuse refuses the call: it could not be metered.
	UnpricedRefuse = "refuse"
	// UnpricedFree serves it at no charge: meant for a local server.
	UnpricedFree = "free"
	// UnpricedPriceAs bills it at the prices of another model.
	UnpricedPriceAs = "price_as"
)

// Unpriced is a provider's policy for models the table does not price.
type Unpriced struct {
	// Mode is UnpricedRefuse (also when empty), UnpricedFree or
	// UnpricedPriceAs.
	Mode string
	// As is the model UnpricedPriceAs bills as.
	As *Model
}

// Model returns the model a call to the unpriced id is planned and billed
// as under the policy, with the audit note that says so; nil when the
// policy refuses. The model is the provider's id with As's prices and
// nothing else of As: its flags describe another model.
func (u Unpriced) Model(provider, id string) (m *Model, note string) {
	switch {
	case u.Mode == UnpricedFree:
		return adHocModel(provider, id, nil), NoteUnpricedFree
	case u.Mode == UnpricedPriceAs && u.As != nil:
		return adHocModel(provider, id, u.As.Prices), NoteUnpricedBilledAs + u.As.ID
	}
	return nil, ""
}

// CheckPriceAs says why a model cannot be what unpriced calls are billed
// as: it must be a priced model that generates and is still served, or
// calls would be billed nothing (a retired entry without prices) or
// nothing for their output (an embedding model).
func CheckPriceAs(m *Model, t time.Time) error {
	switch {
	case m.Kind != "":
		return fmt.Errorf("%s is an %s model, priced for its input only", m.ID, m.Kind)
	case m.Retired(t) != nil:
		return fmt.Errorf("%s is retired", m.ID)
	case m.PriceAt(t).Output <= 0:
		return fmt.Errorf("%s has no output price", m.ID)
	}
	return nil
}

// Audit notes of calls served under an Unpriced policy.
const (
	NoteUnpricedFree     = "unpriced_model_free"
	NoteUnpricedBilledAs = "unpriced_model_billed_as:"
)

// String is the policy as the Caddyfile writes it.
func (u Unpriced) String() string {
	switch {
	case u.Mode == UnpricedPriceAs && u.As != nil:
		return UnpricedPriceAs + " " + u.As.ID
	case u.Mode == "":
		return UnpricedRefuse
	}
	return u.Mode
}
