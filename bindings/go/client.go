package mxsso

import (
	"encoding/json"
	"runtime"
	"sync"
)

// Client sends Update user calls with its own options and reuses connections (and TLS
// sessions) across calls. It is safe for concurrent use by any number of goroutines.
//
// Close it when done; a Client that becomes unreachable without Close is freed by a
// finalizer, but only Close frees it at a known time.
type Client struct {
	// mu is held for reading during every call and for writing by Close, so the handle is
	// never freed while a call on it runs.
	mu     sync.RWMutex
	native *nativeClient // nil once closed
}

// NewClient creates a client with the given options (see the With... functions); options
// not given keep the library's defaults. It makes no connection yet. A bad option value
// gives an error matching [ErrInvalidArgument] whose message names the option.
func NewClient(opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	optionsJSON, err := o.marshal()
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "options: " + err.Error()}
	}
	native, err := newNativeClient(optionsJSON)
	if err != nil {
		return nil, err
	}
	c := &Client{native: native}
	runtime.SetFinalizer(c, (*Client).finalize)
	return c, nil
}

// UpdateUser updates a user (MX SSO API v2.8 "Update user") and returns MX's answer.
// userGUID is MX's user guid or the partner's external_user_guid. Only the fields set in u
// are sent; the library checks them first, and sends nothing if one is invalid.
func (c *Client) UpdateUser(apiKey, clientGUID, userGUID string, u UserUpdate) (*User, error) {
	return updateTyped(u, func(body []byte) ([]byte, error) {
		return c.UpdateUserJSON(apiKey, clientGUID, userGUID, body)
	})
}

// UpdateUserJSON updates a user with a JSON body such as {"status":"DISABLED"} and returns
// MX's JSON answer exactly as received.
func (c *Client) UpdateUserJSON(apiKey, clientGUID, userGUID string, body []byte) ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.native == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "the client is closed", cause: ErrClosed}
	}
	answer, err := c.native.updateUser(apiKey, clientGUID, userGUID, body)
	runtime.KeepAlive(c)
	return answer, err
}

// Close frees the client and its connections, after waiting for calls in progress to
// return. Calls made after Close fail with an error matching [ErrClosed]. Close may be
// called any number of times, from any goroutine; it always returns nil.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.native != nil {
		c.native.free()
		c.native = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// finalize frees the handle of a client dropped without Close. No call can be running: a
// call keeps its client reachable until it returns.
func (c *Client) finalize() {
	if c.native != nil {
		c.native.free()
		c.native = nil
	}
}

// UpdateUser updates a user through the process-wide default client, which the library
// creates at first use from the environment variable MX_SSO_BASE_URL (default
// https://api2.moneydesktop.com) with default options; see [Client.UpdateUser].
func UpdateUser(apiKey, clientGUID, userGUID string, u UserUpdate) (*User, error) {
	return updateTyped(u, func(body []byte) ([]byte, error) {
		return UpdateUserJSON(apiKey, clientGUID, userGUID, body)
	})
}

// UpdateUserJSON updates a user with a JSON body through the process-wide default client;
// see [UpdateUser] and [Client.UpdateUserJSON].
func UpdateUserJSON(apiKey, clientGUID, userGUID string, body []byte) ([]byte, error) {
	var defaultClient *nativeClient // nil selects mx_update_user
	return defaultClient.updateUser(apiKey, clientGUID, userGUID, body)
}

// LibraryVersion returns the version of the linked mx-sso library, such as "0.2.0".
func LibraryVersion() string {
	return libraryVersion()
}

// updateTyped marshals u, sends it with send, and decodes the answer into a User.
func updateTyped(u UserUpdate, send func(body []byte) ([]byte, error)) (*User, error) {
	body, err := json.Marshal(u)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "the update could not be encoded: " + err.Error()}
	}
	answer, err := send(body)
	if err != nil {
		return nil, err
	}
	var user User
	if err := json.Unmarshal(answer, &user); err != nil {
		return nil, &Error{
			Code: CodeResponse,
			Message: "the update succeeded but MX's answer could not be decoded as a user (" +
				err.Error() + "); UpdateUserJSON returns the answer as received",
		}
	}
	return &user, nil
}
