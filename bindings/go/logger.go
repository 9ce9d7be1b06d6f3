package mxsso

import (
	"context"
	"log/slog"
	"runtime/cgo"
)

// callTrace follows the events of one call for the logger of WithLogger. An event's level
// depends on what follows it: a failed attempt that announces no retry may still be followed
// by ensure's next step or a read-back, or be the call's last (ERROR). Such an attempt is held
// until the next event of the call, or the call's end, says which.
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
		logEvent(t.logger, wentOnLevel(t.held), t.held)
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

// wentOnLevel is the level of a failed attempt that another attempt of the call followed
// without a retry wait: INFO when MX answered and the answer led to the next step (ensure's
// "not found" read, a create refused because the user already exists), WARN when the outcome
// was unknown (no answer, or 502/503/504) and a read-back had to resolve it.
func wentOnLevel(e *Event) slog.Level {
	if e.HTTPStatus != 0 && e.HTTPStatus < 502 {
		return slog.LevelInfo
	}
	return slog.LevelWarn
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
