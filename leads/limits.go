package leads

// Bounds on a lead's fields, in bytes: generous for real data, small
// enough that one account cannot fill the database through a single lead.
// Every writer of leads (the endpoint, agents' tools) checks them.
const (
	MaxField = 200 // name, company, source
	MaxEmail = 254 // RFC 5321's path limit
	MaxPhone = 40
	MaxNotes = 10_000
)
