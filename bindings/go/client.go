package mxsso

import (
	"context"
	"encoding/json"
	"runtime"
	"runtime/cgo"
	"sync"
)

// Client calls MX's SSO API with its own credentials and options, and reuses connections
// (and TLS sessions) across calls. It is safe for concurrent use by any number of goroutines.
//
// Close it when done; a Client that becomes unreachable without Close is freed by a
// finalizer, but only Close frees it at a known time.
type Client struct {
	target
	life lifetime
	// sinkHandle is the cgo.Handle of target.events given to C as the event handler's
	// user_data; valid from NewClient until the handle is freed.
	sinkHandle cgo.Handle
	// eventsMu keeps the sink's handler and the C side's "handler installed" in step.
	eventsMu sync.Mutex
}

// NewClient creates a client with the given options (see the With... functions); options
// not given keep the library's defaults. The credentials default to the environment variables
// MX_SSO_API_KEY and MX_SSO_CLIENT_GUID (see [WithCredentials]). It makes no connection yet.
// A bad option value gives an error matching [ErrInvalidArgument] whose message names the
// option.
func NewClient(opts ...Option) (*Client, error) {
	o := newOptions(opts)
	optionsJSON, err := json.Marshal(&o)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "options could not be encoded: " + err.Error()}
	}
	ptr, err := newNativeClient(string(optionsJSON))
	if err != nil {
		return nil, err
	}
	c := &Client{target: target{ptr: ptr, timeout: o.timeout(), events: &eventSink{logger: o.logger}}}
	// The handle refers to the sink, not to the Client, so the Client can still be collected.
	c.sinkHandle = cgo.NewHandle(c.events)
	if c.events.wanted() {
		setNativeEvents(c.ptr, c.sinkHandle, true)
	}
	runtime.SetFinalizer(c, (*Client).finalize)
	return c, nil
}

// call is the Client's side of the one request path: it holds the handle open for the call.
func (c *Client) call(ctx context.Context, op, id string, body any) ([]byte, error) {
	if !c.life.acquire() {
		return nil, errClosed()
	}
	defer c.life.release()
	answer, err := c.request(ctx, op, id, body)
	runtime.KeepAlive(c)
	return answer, err
}

// SetEventHandler sets the function that receives every event of this client: one per
// attempt (read-backs and ensure's steps included) and one for a call refused before sending,
// on the calling goroutine, before any wait for a retry. nil removes it. It is safe to call
// while other goroutines make calls: attempts that end after it returns see the new handler.
// A handler that panics does not break the call (its first panic is logged to the client's
// logger, else to slog's default logger). A handler may make calls on any client and may Close
// this one (see [Client.Close]); a handler that refers to its client keeps the client from
// being finalized, so Close such a client. The logger of [WithLogger], if any, keeps receiving
// events. After Close it does nothing.
func (c *Client) SetEventHandler(handler func(Event)) {
	if !c.life.acquire() {
		return
	}
	defer c.life.release()
	c.eventsMu.Lock()
	defer c.eventsMu.Unlock()
	c.events.setHandler(handler)
	setNativeEvents(c.ptr, c.sinkHandle, c.events.wanted())
	runtime.KeepAlive(c)
}

// Stats returns the client's counters since it was made (mx_client_stats).
func (c *Client) Stats() (Stats, error) {
	if !c.life.acquire() {
		return Stats{}, errClosed()
	}
	defer c.life.release()
	status, answer := nativeStats(c.ptr)
	runtime.KeepAlive(c)
	if status != CodeOK {
		return Stats{}, errorFromObject(status, answer)
	}
	return decodeStats(answer)
}

// decodeStats reads the library's counters object. It comes from the library, not from MX, so
// an unreadable one is a bug of mx-sso (CodeInternal, as in Python).
func decodeStats(answer []byte) (Stats, error) {
	var stats Stats
	if err := json.Unmarshal(answer, &stats); err != nil {
		return Stats{}, &Error{Code: CodeInternal, Message: "the library's counters could not be read: " + err.Error()}
	}
	return stats, nil
}

// Close frees the client and its connections, after waiting for calls in progress to
// return. Called from this client's event handler (inside one of its calls, where waiting
// would never end), it returns at once instead, and the client is freed when its last
// running call returns. Calls made after Close fail with an error matching [ErrClosed]. Close
// may be called any number of times, from any goroutine; it always returns nil.
func (c *Client) Close() error {
	runtime.SetFinalizer(c, nil)
	if insideCallOf(c.ptr) {
		c.life.closeWhenIdle(c.free)
		return nil
	}
	c.life.close(c.free)
	return nil
}

// finalize frees the handle of a client dropped without Close. No call can be running: a
// call keeps its client reachable until it returns.
func (c *Client) finalize() {
	c.life.close(c.free)
}

// free releases the C client and then the sink's handle (the library calls the handler no
// more once the client is freed). Called once, by lifetime.close, with no call running.
func (c *Client) free() {
	freeNativeClient(c.ptr)
	c.sinkHandle.Delete()
}

// errClosed is the error of a call on a closed client.
func errClosed() *Error {
	return &Error{Code: CodeInvalidArgument, Message: "the client is closed", cause: ErrClosed}
}

// lifetime lets calls share a handle that Close frees: every call holds a use; close refuses
// new uses, waits until the running ones are released, and frees the handle exactly once;
// closeWhenIdle refuses new uses and leaves the freeing to the last release. Unlike a
// sync.RWMutex, a use may be taken while another is held on the same goroutine (an event
// handler calling the client), even while close waits.
type lifetime struct {
	mu     sync.Mutex
	idle   sync.Cond // L is mu (set by the first close); signalled when uses drops to 0
	uses   int
	closed bool   // no new use is given
	free   func() // set by closeWhenIdle: run by the release that ends the last use
	freed  bool
}

// acquire takes a use, or reports false once close has begun.
func (l *lifetime) acquire() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.uses++
	return true
}

// release returns a use taken by acquire; the last one after closeWhenIdle frees the handle.
func (l *lifetime) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.uses--
	if l.uses == 0 && l.closed {
		l.freeOnce(l.free)
		l.idle.Broadcast()
	}
}

// closeWhenIdle refuses new uses and returns at once: free runs now if no use is held, else
// at the release of the last one.
func (l *lifetime) closeWhenIdle(free func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.free = free
	if l.uses == 0 {
		l.freeOnce(free)
	}
}

// freeOnce runs free (when not nil) unless the handle was already freed; mu is held.
func (l *lifetime) freeOnce(free func()) {
	if free != nil && !l.freed {
		l.freed = true
		free()
	}
}

// close refuses new uses, waits for the running ones, then runs free unless it already ran.
// Every close returns after free has run.
func (l *lifetime) close(free func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.idle.L == nil {
		l.idle.L = &l.mu
	}
	for l.uses > 0 {
		l.idle.Wait()
	}
	l.freeOnce(free)
}

// LibraryVersion returns the version of the linked mx-sso library, such as "0.2.0".
func LibraryVersion() string {
	return libraryVersion()
}
