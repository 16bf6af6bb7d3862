package routing

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
		return &Model{Alias: id, ID: id, Provider: provider, Prices: []Price{{}}, adHoc: true}, NoteUnpricedFree
	case u.Mode == UnpricedPriceAs && u.As != nil:
		return &Model{Alias: id, ID: id, Provider: provider, Kind: u.As.Kind, Prices: u.As.Prices, adHoc: true}, NoteUnpricedBilledAs + u.As.ID
	}
	return nil, ""
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
