package mxsso

import (
	"log/slog"
	"os"
	"time"
)

// Option sets one client option for [NewClient]. Each one but [WithLogger] is a key of the
// library's options JSON object; options not given keep the library's defaults, and the
// library checks every value (a bad one makes NewClient fail with [ErrInvalidArgument]).
type Option func(*options)

// The environment variables that a client's base URL and credentials default to, as the
// library's default client's do: a client made without them talks to the host its
// credentials are for.
const (
	baseURLEnv    = "MX_SSO_BASE_URL"
	apiKeyEnv     = "MX_SSO_API_KEY"
	clientGUIDEnv = "MX_SSO_CLIENT_GUID"
)

// options is the JSON object handed to mx_client_new; only the options set are marshalled.
type options struct {
	BaseURL           *string `json:"base_url,omitempty"`
	APIKey            *string `json:"api_key,omitempty"`
	ClientGUID        *string `json:"client_guid,omitempty"`
	TimeoutMS         *int64  `json:"timeout_ms,omitempty"`
	ConnectTimeoutMS  *int64  `json:"connect_timeout_ms,omitempty"`
	MaxRetries        *int    `json:"max_retries,omitempty"`
	Proxy             *string `json:"proxy,omitempty"`
	CAFile            *string `json:"ca_file,omitempty"`
	UserAgent         *string `json:"user_agent,omitempty"`
	MaxResponseBytes  *int64  `json:"max_response_bytes,omitempty"`
	AllowInsecureHTTP *bool   `json:"allow_insecure_http,omitempty"`
	StrictFields      *bool   `json:"strict_fields,omitempty"`

	// logger receives every event (WithLogger); not a library option.
	logger *slog.Logger
}

// newOptions applies opts, then takes the base URL and each credential not given from the
// environment.
func newOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	fromEnv := func(field **string, variable string) {
		if *field == nil {
			if value := os.Getenv(variable); value != "" {
				*field = &value
			}
		}
	}
	fromEnv(&o.BaseURL, baseURLEnv)
	fromEnv(&o.APIKey, apiKeyEnv)
	fromEnv(&o.ClientGUID, clientGUIDEnv)
	return o
}

// timeout is the client's timeout_ms as a duration (the library's default when not set).
func (o options) timeout() time.Duration {
	if o.TimeoutMS == nil || *o.TimeoutMS <= 0 {
		return defaultTimeout
	}
	return time.Duration(*o.TimeoutMS) * time.Millisecond
}

// WithCredentials sets the API key and the client guid that every call of the client sends
// (options api_key and client_guid). Without it, a client takes them from the environment
// variables MX_SSO_API_KEY and MX_SSO_CLIENT_GUID; a client without them fails each call with
// [ErrInvalidArgument] saying how to set them. The library checks them here (an empty or
// malformed value makes NewClient fail, naming the option but never showing the key) and
// never shows the key in an error, an event or a log line.
func WithCredentials(apiKey, clientGUID string) Option {
	return func(o *options) {
		o.APIKey = &apiKey
		o.ClientGUID = &clientGUID
	}
}

// WithLogger sends every event of the client to logger, as a record "mx-sso attempt" with one
// attribute per event key: DEBUG for a successful attempt; WARN for a failed attempt that
// announces a retry (RetryInMS set); INFO for a failed attempt that announces none but is
// followed by another request of the call (ensure's next step after "not found", the read-back
// of a create whose outcome was unknown); ERROR for the failed last attempt of a call (a call
// refused before sending included). The level never depends on the HTTP status. A failed
// attempt without RetryInMS is logged when the call's next attempt or its end shows which it
// was. It works beside [Client.SetEventHandler].
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) { o.logger = logger }
}

// WithBaseURL sets the server (default: the environment variable MX_SSO_BASE_URL, else
// https://api2.moneydesktop.com; MX's integration host is https://int-api2.moneydesktop.com).
// Plain http:// is refused except for loopback hosts unless [WithAllowInsecureHTTP] is set.
func WithBaseURL(url string) Option {
	return func(o *options) { o.BaseURL = &url }
}

// WithTimeout sets the overall deadline of one call, retries included (default 30s). It is
// sent in whole milliseconds, rounded up.
func WithTimeout(d time.Duration) Option {
	ms := milliseconds(d)
	return func(o *options) { o.TimeoutMS = &ms }
}

// WithConnectTimeout sets the deadline for opening a connection (default 5s), in whole
// milliseconds, rounded up.
func WithConnectTimeout(d time.Duration) Option {
	ms := milliseconds(d)
	return func(o *options) { o.ConnectTimeoutMS = &ms }
}

// WithMaxRetries sets how many times a call may be retried after a connect failure or a
// 429, 502, 503 or 504 answer (default 2; 0 turns retries off).
func WithMaxRetries(n int) Option {
	return func(o *options) { o.MaxRetries = &n }
}

// WithProxy sets the proxy, such as "http://proxy.example:3128"; "" turns proxies off. By
// default the proxy comes from HTTPS_PROXY, ALL_PROXY and NO_PROXY.
func WithProxy(url string) Option {
	return func(o *options) { o.Proxy = &url }
}

// WithCAFile adds the certificates of a PEM file to the trusted roots (for example a
// corporate TLS proxy's CA). It never turns certificate checks off.
func WithCAFile(path string) Option {
	return func(o *options) { o.CAFile = &path }
}

// WithUserAgent sets the User-Agent header (default "mx-sso/<version>").
func WithUserAgent(userAgent string) Option {
	return func(o *options) { o.UserAgent = &userAgent }
}

// WithMaxResponseBytes sets the largest response body accepted (default 1 MiB); a larger
// one fails with [ErrResponse].
func WithMaxResponseBytes(n int64) Option {
	return func(o *options) { o.MaxResponseBytes = &n }
}

// WithAllowInsecureHTTP allows plain http:// base URLs for hosts other than loopback
// (default false).
func WithAllowInsecureHTTP(allow bool) Option {
	return func(o *options) { o.AllowInsecureHTTP = &allow }
}

// WithStrictFields sets whether an unknown body field (a typo such as "stauts") is a
// validation error (default true) rather than sent as is.
func WithStrictFields(strict bool) Option {
	return func(o *options) { o.StrictFields = &strict }
}

// milliseconds converts d to whole milliseconds, rounding a positive remainder up so that a
// short positive duration never becomes 0. Negative durations stay negative, for the library
// to reject.
func milliseconds(d time.Duration) int64 {
	ms := d.Milliseconds()
	if d > 0 && d%time.Millisecond != 0 {
		ms++
	}
	return ms
}
