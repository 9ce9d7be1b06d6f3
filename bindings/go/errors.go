package mxsso

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// StatusCode is the status of a call, mirroring the C enum mx_status. The numbers are part
// of the library's ABI and never change meaning.
type StatusCode int

// The statuses of mx_status, in numeric order.
const (
	// CodeOK is success (MX_OK).
	CodeOK StatusCode = 0
	// CodeInvalidArgument is a bad argument or bad client options (MX_ERR_INVALID_ARGUMENT);
	// nothing was sent.
	CodeInvalidArgument StatusCode = 1
	// CodeValidation is a request that breaks a documented constraint of the API
	// (MX_ERR_VALIDATION); nothing was sent.
	CodeValidation StatusCode = 2
	// CodeHTTP is a non-2xx answer from the server (MX_ERR_HTTP).
	CodeHTTP StatusCode = 3
	// CodeTimeout is a passed connect timeout or overall deadline (MX_ERR_TIMEOUT).
	CodeTimeout StatusCode = 4
	// CodeTransport is a DNS, connect or TLS failure, or a connection closed without an
	// answer (MX_ERR_TRANSPORT). MX closes the connection this way for a wrong API key or an
	// IP address it does not allow.
	CodeTransport StatusCode = 5
	// CodeResponse is a 2xx answer whose body is not JSON or is too large (MX_ERR_RESPONSE).
	CodeResponse StatusCode = 6
	// CodeInternal is a bug in mx-sso (MX_ERR_INTERNAL).
	CodeInternal StatusCode = 7
)

// codeNames are the C names of the statuses, indexed by number.
var codeNames = [...]string{
	"MX_OK",
	"MX_ERR_INVALID_ARGUMENT",
	"MX_ERR_VALIDATION",
	"MX_ERR_HTTP",
	"MX_ERR_TIMEOUT",
	"MX_ERR_TRANSPORT",
	"MX_ERR_RESPONSE",
	"MX_ERR_INTERNAL",
}

// String returns the library's fixed description of the status (mx_status_str), such as
// "success"; unknown values get "unknown status".
func (c StatusCode) String() string {
	return statusText(c)
}

// Name returns the status's C name, such as "MX_ERR_HTTP", or "mx_status(N)" for a number
// outside mx_status.
func (c StatusCode) Name() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "mx_status(" + strconv.Itoa(int(c)) + ")"
}

// Error is a failed call, as the library reports it. Use errors.As to read the details, or
// errors.Is with a sentinel such as [ErrHTTP] to test the kind:
//
//	var e *mxsso.Error
//	if errors.As(err, &e) && e.HTTPStatus == 400 { ... }
//	if errors.Is(err, mxsso.ErrTimeout) { ... }
//
// No text in an Error holds the API key or a credential's response.
type Error struct {
	// Code is the kind of failure.
	Code StatusCode
	// HTTPStatus is the status of the server's answer, or 0 when no answer came.
	HTTPStatus int
	// Message says what went wrong, for a person reading a log.
	Message string
	// MXError is the server's own error text (its JSON "error" field), when it sent one,
	// such as "User with guid X not found.".
	MXError string
	// Attempts is how many requests were sent, read-backs included (0 when nothing was sent).
	Attempts int

	// cause is an underlying error that errors.Is and errors.As also see, such as ErrClosed.
	cause error
}

// Error returns "mxsso: " followed by the message, or by the status's description when
// there is no message.
func (e *Error) Error() string {
	if e.Message == "" {
		return "mxsso: " + e.Code.String()
	}
	return "mxsso: " + e.Message
}

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, mxsso.ErrValidation) tests the kind of failure.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Unwrap returns the underlying error, if any (for example [ErrClosed]).
func (e *Error) Unwrap() error {
	return e.cause
}

// Sentinels for errors.Is, one per failure kind: errors.Is(err, ErrHTTP) is true for every
// *Error whose Code is CodeHTTP.
var (
	// ErrInvalidArgument matches CodeInvalidArgument errors.
	ErrInvalidArgument = &Error{Code: CodeInvalidArgument}
	// ErrValidation matches CodeValidation errors.
	ErrValidation = &Error{Code: CodeValidation}
	// ErrHTTP matches CodeHTTP errors.
	ErrHTTP = &Error{Code: CodeHTTP}
	// ErrTimeout matches CodeTimeout errors.
	ErrTimeout = &Error{Code: CodeTimeout}
	// ErrTransport matches CodeTransport errors.
	ErrTransport = &Error{Code: CodeTransport}
	// ErrResponse matches CodeResponse errors.
	ErrResponse = &Error{Code: CodeResponse}
	// ErrInternal matches CodeInternal errors.
	ErrInternal = &Error{Code: CodeInternal}
)

// ErrClosed is the cause of the error a [Client] returns once it is closed; that error also
// matches [ErrInvalidArgument].
var ErrClosed = errors.New("mxsso: client is closed")

// errorObject is the library's error object:
// {"error": {"code": ..., "status": N, "message": ..., "http_status": ..., ...}}.
type errorObject struct {
	Error *struct {
		Status     *int   `json:"status"`
		Message    string `json:"message"`
		HTTPStatus *int   `json:"http_status"`
		Attempts   int    `json:"attempts"`
		MXError    string `json:"mx_error"`
	} `json:"error"`
}

// errorFromObject builds the Error of a failed call from its error object. The code is the
// object's numeric "status" (the library's mx_status); returned is the function's own status,
// used only when the object has none. What the package cannot understand (no readable object,
// a status outside mx_status's failures) is a CodeInternal error that says so, as in Python.
func errorFromObject(returned StatusCode, object []byte) *Error {
	var parsed errorObject
	if err := json.Unmarshal(object, &parsed); err != nil || parsed.Error == nil {
		return &Error{Code: CodeInternal, Message: fmt.Sprintf(
			"the library returned status %d with an unreadable error object", int(returned))}
	}
	e := &Error{Code: returned}
	if parsed.Error.Status != nil {
		e.Code = StatusCode(*parsed.Error.Status)
	}
	if e.Code <= CodeOK || e.Code > CodeInternal {
		return &Error{Code: CodeInternal, Message: fmt.Sprintf(
			"the library returned an error object with status %d: %s", int(e.Code), parsed.Error.Message)}
	}
	e.Message = parsed.Error.Message
	e.MXError = parsed.Error.MXError
	e.Attempts = parsed.Error.Attempts
	if parsed.Error.HTTPStatus != nil {
		e.HTTPStatus = *parsed.Error.HTTPStatus
	}
	return e
}

// errorFromClientNew builds the Error of a failed mx_client_new, which returns no status: the
// code is the object's numeric "status"; an object without one is unreadable (CodeInternal).
func errorFromClientNew(object []byte) *Error {
	return errorFromObject(CodeInternal, object)
}
