package mxsso

// The C → Go event path. The library calls mxsso_on_event (native.go) on the calling thread;
// it calls mxssoEvent below with the client's sink, as a runtime/cgo.Handle (C keeps an
// integer, never a Go pointer), and the call's trace handle, or 0. Each client has one sink
// handle for its whole life, deleted when the client is freed: replacing the handler swaps a
// pointer inside the sink, because the library may still call the handler it took just
// before a replacement, after the replacement returned.

/*
#include <stdint.h>
#include <string.h>
*/
import "C"

import (
	"fmt"
	"log/slog"
	"runtime/cgo"
	"sync/atomic"
	"time"
	"unsafe"
)

// Event is one attempt of a call (or a call refused before sending), as the library reports
// it: one field per key of its event object. It never holds the API key, a credential value,
// a login token, a widget URL or a body.
type Event struct {
	// Call is the operation the caller asked for, such as "user.ensure" ("" for a call refused
	// before an operation could be chosen, such as an unknown operation name).
	Call string `json:"call"`
	// Op is the operation of this request: "user.read" for ensure's read or a create's
	// read-back.
	Op string `json:"op"`
	// Method is the HTTP method, such as "PUT" ("" when no operation was chosen).
	Method string `json:"method"`
	// Path is the path as sent, ids percent-encoded, without the query string ("" when the
	// call was refused before a path could be built).
	Path string `json:"path"`
	// Attempt counts every request of the call from 1; 0 for a call refused before sending.
	Attempt int `json:"attempt"`
	// Outcome is the status name of this attempt, such as "MX_OK" or "MX_ERR_HTTP" (see
	// [StatusCode.Name]).
	Outcome string `json:"outcome"`
	// HTTPStatus is the status of the answer, or 0 when none came.
	HTTPStatus int `json:"http_status"`
	// ElapsedUS is how long the attempt took, in microseconds.
	ElapsedUS int64 `json:"elapsed_us"`
	// Connection is "new", "reused", or "" when nothing was sent.
	Connection string `json:"connection"`
	// RetryInMS is the wait in milliseconds before the next attempt, nil when none follows.
	RetryInMS *int64 `json:"retry_in_ms"`
	// RetryAfterMS is the wait the server asked for with Retry-After, in milliseconds; nil
	// when it asked for none.
	RetryAfterMS *int64 `json:"retry_after_ms"`
	// Message says what went wrong, for failures (masked like every error message).
	Message string `json:"message"`
	// TS is when the attempt ended (UTC, microseconds).
	TS time.Time `json:"ts"`
}

// eventSink is where a client's events go: its handler (SetEventHandler) and its logger
// (WithLogger). Safe for any number of goroutines.
type eventSink struct {
	handler atomic.Pointer[func(Event)]
	logger  *slog.Logger // fixed at NewClient
	// complained is set by the first problem of the current handler (a panic), which alone is
	// logged; each new handler gets its own first complaint.
	complained atomic.Bool
}

// setHandler replaces the handler; nil removes it.
func (s *eventSink) setHandler(handler func(Event)) {
	s.complained.Store(false)
	if handler == nil {
		s.handler.Store(nil)
		return
	}
	s.handler.Store(&handler)
}

// wanted reports whether the C side should deliver events at all.
func (s *eventSink) wanted() bool {
	return s.handler.Load() != nil || s.logger != nil
}

// deliver hands one event to the handler and to the call's trace (the logger).
func (s *eventSink) deliver(eventJSON []byte, trace *callTrace) {
	var e Event
	if err := decodeEvent(eventJSON, &e); err != nil {
		s.complain("an event from the library could not be read", err)
		return
	}
	if handler := s.handler.Load(); handler != nil {
		s.run(*handler, e)
	}
	if trace != nil {
		trace.observe(e)
	}
}

// run calls the handler; a panic in it is recovered (it must not unwind through the library's
// frames) and the first one is logged.
func (s *eventSink) run(handler func(Event), e Event) {
	defer func() {
		if r := recover(); r != nil {
			s.complain("the event handler panicked; the call went on", r)
		}
	}()
	handler(e)
}

// complain logs the first problem of this sink's current handler to the client's logger, else
// to slog's default logger; later ones are dropped, so a broken handler cannot flood the log.
func (s *eventSink) complain(what string, detail any) {
	if !s.complained.CompareAndSwap(false, true) {
		return
	}
	logger := s.logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Error("mxsso: "+what+" (later problems of this client's handler are not logged)",
		slog.String("detail", fmt.Sprint(detail)))
}

// startCall gives the trace of a call whose events the logger must see, or nil. A nil sink
// (the default client) has none.
func (s *eventSink) startCall() *callTrace {
	if s == nil || s.logger == nil {
		return nil
	}
	t := &callTrace{logger: s.logger}
	t.handle = cgo.NewHandle(t)
	return t
}

// finishCall logs what the trace still holds and frees its handle.
func (s *eventSink) finishCall(t *callTrace) {
	if t != nil {
		t.finish()
		t.handle.Delete()
	}
}

//export mxssoEvent
func mxssoEvent(sink, call C.uintptr_t, eventJSON *C.char) {
	// Nothing may unwind into the library's frames.
	defer func() { _ = recover() }()
	s, ok := cgo.Handle(sink).Value().(*eventSink)
	if !ok || eventJSON == nil {
		return
	}
	var trace *callTrace
	if call != 0 {
		trace, _ = cgo.Handle(call).Value().(*callTrace)
	}
	s.deliver(C.GoBytes(unsafe.Pointer(eventJSON), C.int(C.strlen(eventJSON))), trace)
}
