package mxsso

import (
	"context"
	"log/slog"
	"runtime/cgo"
)

// callTrace follows the events of one call for the logger of WithLogger. An event's level
// depends only on the event and on whether the call goes on after it, never on its HTTP
// status (which answers are retried or resolved is the library's business): DEBUG for a
// success; WARN for a failed attempt that announces a retry (RetryInMS set); INFO for a failed
// attempt that announces none but is followed by another request of the call (ensure's next
// step after "not found", the read-back of a create whose outcome was unknown); ERROR for the
// failed last attempt of a call. A failed attempt without RetryInMS is held until the next
// event of the call (INFO), or the call's end (ERROR), says which.
//
// A trace belongs to one call, and the library calls the handler on the calling thread during
// the call, so a trace is never used by two goroutines at once.
type callTrace struct {
	logger *slog.Logger
	handle cgo.Handle // given to C for the call's duration (native.go, mxsso_call)
	held   *Event
}

// token is the handle C passes back with each event of the call; 0 for no trace.
func (t *callTrace) token() cgo.Handle {
	if t == nil {
		return 0
	}
	return t.handle
}

// observe logs an event, or holds it until its level is known.
func (t *callTrace) observe(e Event) {
	if t.held != nil {
		logEvent(t.logger, slog.LevelInfo, t.held) // the call went on after it
		t.held = nil
	}
	switch {
	case e.Outcome == CodeOK.Name():
		logEvent(t.logger, slog.LevelDebug, &e)
	case e.RetryInMS != nil:
		logEvent(t.logger, slog.LevelWarn, &e)
	default:
		t.held = &e
	}
}

// finish logs the held event, if any, as the failed last attempt of the call.
func (t *callTrace) finish() {
	if t.held != nil {
		logEvent(t.logger, slog.LevelError, t.held)
		t.held = nil
	}
}

// logEvent writes one event as a record with one attribute per event key; keys whose value is
// null in the library's event (no path, no answer, no retry, no message) are left out.
func logEvent(logger *slog.Logger, level slog.Level, e *Event) {
	ctx := context.Background()
	if !logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("call", e.Call),
		slog.String("op", e.Op),
		slog.String("method", e.Method),
	)
	if e.Path != "" {
		attrs = append(attrs, slog.String("path", e.Path))
	}
	attrs = append(attrs,
		slog.Int("attempt", e.Attempt),
		slog.String("outcome", e.Outcome),
	)
	if e.HTTPStatus != 0 {
		attrs = append(attrs, slog.Int("http_status", e.HTTPStatus))
	}
	attrs = append(attrs, slog.Int64("elapsed_us", e.ElapsedUS))
	if e.Connection != "" {
		attrs = append(attrs, slog.String("connection", e.Connection))
	}
	if e.RetryInMS != nil {
		attrs = append(attrs, slog.Int64("retry_in_ms", *e.RetryInMS))
	}
	if e.RetryAfterMS != nil {
		attrs = append(attrs, slog.Int64("retry_after_ms", *e.RetryAfterMS))
	}
	if e.Message != "" {
		attrs = append(attrs, slog.String("message", e.Message))
	}
	attrs = append(attrs, slog.Time("ts", e.TS))
	logger.LogAttrs(ctx, level, "mx-sso attempt", attrs...)
}
