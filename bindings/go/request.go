package mxsso

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// The operation names of the library's table (mx_client_call's operation argument).
const (
	opUserCreate   = "user.create"
	opUserRead     = "user.read"
	opUserUpdate   = "user.update"
	opUserDelete   = "user.delete"
	opUserEnsure   = "user.ensure"
	opMemberCreate = "member.create"
	opMemberRead   = "member.read"
	opMemberUpdate = "member.update"
	opMemberDelete = "member.delete"
	opMemberEnsure = "member.ensure"
)

// defaultTimeout is the library's default timeout_ms, mirrored so that a context deadline can
// be compared with it (a test checks it against the library's options table). The process-wide
// default client, and every Client made without WithTimeout, have it.
const defaultTimeout = 30 * time.Second

// target is where a call goes: a handle with the timeout it was made with and the sink of its
// events.
type target struct {
	// ptr is the mx_client; nil (NULL) is the library's process-wide default client, which
	// only defaultClient (operations.go) uses. Every other Client's ptr is non-nil.
	ptr     nativeClient
	timeout time.Duration
	// events is nil for the default client, which has no event handler.
	events *eventSink
}

// request is the one request path: every operation of every Client and of the package-level
// functions goes through it. body is nil (none), raw JSON ([]byte) or a value to encode as
// JSON; id "" is none. The library checks everything else.
func (t *target) request(ctx context.Context, op, id string, body any) ([]byte, error) {
	if ctx == nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "ctx is nil; pass context.Background() for no deadline"}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	bodyText, err := encodeBody(body)
	if err != nil {
		return nil, err
	}
	callOptions, bounded := t.callOptions(ctx)
	if bounded && callOptions == nil {
		return nil, context.DeadlineExceeded
	}
	var idArg *string
	if id != "" {
		idArg = &id
	}

	trace := t.events.startCall()
	status, answer, err := nativeCall(t.ptr, trace.token(), op, idArg, bodyText, callOptions)
	t.events.finishCall(trace)
	if err != nil {
		return nil, err
	}
	if status == CodeOK {
		return answer, nil
	}
	e := errorFromObject(status, answer)
	// Only when the context's deadline has really passed is it what ran out: a timeout of the
	// library's own (a connect timeout, the client's timeout_ms) leaves the context alive.
	if e.Code == CodeTimeout && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		e.cause = context.DeadlineExceeded
	}
	return nil, e
}

// callOptions gives the call's call_options_json when the context's deadline is sooner than
// the client's timeout (bounded true): {"timeout_ms": N}, N rounded up to whole milliseconds,
// or nil when the deadline has already passed.
func (t *target) callOptions(ctx context.Context) (options *string, bounded bool) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return nil, false
	}
	left := time.Until(deadline)
	if left >= t.timeout {
		return nil, false
	}
	if left <= 0 {
		return nil, true
	}
	text := `{"timeout_ms":` + strconv.FormatInt(milliseconds(left), 10) + `}`
	return &text, true
}

// encodeBody gives the JSON text of a body: nil for none (a nil value or a nil []byte), the
// bytes of a []byte as they are, or the JSON encoding of a typed request.
func encodeBody(body any) (*string, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		if b == nil {
			return nil, nil
		}
		text := string(b)
		return &text, nil
	}
	encoded, err := json.Marshal(body)
	if err != nil {
		return nil, &Error{Code: CodeInvalidArgument, Message: "json_body could not be encoded: " + err.Error()}
	}
	text := string(encoded)
	return &text, nil
}
