package mxsso

// Stats are a client's counters since it was made (mx_client_stats). They never hold a
// secret.
type Stats struct {
	// Calls is every call, refused ones included.
	Calls uint64 `json:"calls"`
	// Attempts is the requests sent, read-backs included.
	Attempts uint64 `json:"attempts"`
	// Retries is the attempts that repeated a request after a failure.
	Retries uint64 `json:"retries"`
	// ByOutcome counts calls by final status name, such as "MX_OK" or "MX_ERR_HTTP" (see
	// [StatusCode.Name]); its values add up to Calls.
	ByOutcome map[string]uint64 `json:"by_outcome"`
	// ConnectionsOpened is the connections opened.
	ConnectionsOpened uint64 `json:"connections_opened"`
	// TLSHandshakes is the TLS handshakes made.
	TLSHandshakes uint64 `json:"tls_handshakes"`
	// ReadBacks is the reads made to resolve a create whose outcome was unknown.
	ReadBacks uint64 `json:"read_backs"`
	// Races is the ensures that found a user or member another process had just created.
	Races uint64 `json:"races"`
}
