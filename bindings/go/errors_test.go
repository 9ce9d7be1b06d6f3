package mxsso

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The StatusCode constants mirror the C enum: checked against the header the library is
// generated with.
func TestStatusCodesMirrorTheHeader(t *testing.T) {
	header, err := os.ReadFile("../../include/mx_sso.h")
	if err != nil {
		t.Fatal(err)
	}
	found := regexp.MustCompile(`(?m)^\s+(MX_\w+) = (\d+),`).FindAllStringSubmatch(string(header), -1)
	if len(found) != len(codeNames) {
		t.Fatalf("header has %d statuses, the package %d", len(found), len(codeNames))
	}
	for _, m := range found {
		n, _ := strconv.Atoi(m[2])
		if got := StatusCode(n).Name(); got != m[1] {
			t.Errorf("status %d is %s in the header, %s here", n, m[1], got)
		}
	}
}

func TestStatusCodes(t *testing.T) {
	for code, name := range map[StatusCode]string{
		CodeOK: "MX_OK", CodeInvalidArgument: "MX_ERR_INVALID_ARGUMENT", CodeValidation: "MX_ERR_VALIDATION",
		CodeHTTP: "MX_ERR_HTTP", CodeTimeout: "MX_ERR_TIMEOUT", CodeTransport: "MX_ERR_TRANSPORT",
		CodeResponse: "MX_ERR_RESPONSE", CodeInternal: "MX_ERR_INTERNAL",
	} {
		if code.Name() != name {
			t.Errorf("%d.Name() = %q, want %q", int(code), code.Name(), name)
		}
		if code.String() == "" || code.String() == "unknown status" {
			t.Errorf("%s.String() = %q", name, code.String())
		}
	}
	if CodeOK.String() != "success" {
		t.Errorf("CodeOK.String() = %q", CodeOK.String())
	}
	if s := StatusCode(99).String(); s != "unknown status" {
		t.Errorf("StatusCode(99).String() = %q", s)
	}
	if n := StatusCode(-1).Name(); n != "mx_status(-1)" {
		t.Errorf("StatusCode(-1).Name() = %q", n)
	}
}

func TestErrorIsAndAs(t *testing.T) {
	err := fmt.Errorf("disabling user: %w", errorFromObject(CodeHTTP,
		[]byte(`{"error":{"code":"MX_ERR_HTTP","message":"HTTP 400","http_status":400,"attempts":1,"mx_error":"User with guid X not found."}}`)))
	if !errors.Is(err, ErrHTTP) || errors.Is(err, ErrValidation) || errors.Is(err, ErrClosed) {
		t.Errorf("errors.Is does not follow the code")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal("errors.As failed")
	}
	want := Error{Code: CodeHTTP, HTTPStatus: 400, Message: "HTTP 400", MXError: "User with guid X not found.", Attempts: 1}
	if *e != want {
		t.Errorf("got %#v, want %#v", *e, want)
	}
	if e.Error() != "mxsso: HTTP 400" {
		t.Errorf("Error() = %q", e.Error())
	}
	if ErrTimeout.Error() != "mxsso: "+CodeTimeout.String() {
		t.Errorf("sentinel text = %q", ErrTimeout.Error())
	}
}

func TestErrorObjectEdgeCases(t *testing.T) {
	e := errorFromObject(CodeTransport, []byte(`{"error":{"code":"MX_ERR_TRANSPORT","message":"closed","http_status":null}}`))
	if e.HTTPStatus != 0 || e.Attempts != 0 || e.Message != "closed" {
		t.Errorf("got %#v", e)
	}
	// What the package cannot understand is CodeInternal, whatever the call returned (as
	// Python's InternalError).
	for _, object := range []string{"not json", "", "{}", `{"error":"x"}`, `{"error":{"status":0,"message":"m"}}`,
		`{"error":{"status":99,"message":"m"}}`} {
		if e = errorFromObject(CodeHTTP, []byte(object)); e.Code != CodeInternal || !strings.Contains(e.Message, "the library returned") {
			t.Errorf("unreadable object %q: %#v", object, e)
		}
	}
	e = errorFromClientNew([]byte(`{"error":{"code":"MX_ERR_VALIDATION","status":2,"message":"m","http_status":null}}`))
	if e.Code != CodeValidation || e.Message != "m" {
		t.Errorf("client new: %#v", e)
	}
	for _, object := range []string{"", `{"error":{"message":"m"}}`} {
		if e = errorFromClientNew([]byte(object)); e.Code != CodeInternal || e.Message == "" {
			t.Errorf("client new with object %q: %#v", object, e)
		}
	}
	if _, err := decodeStats([]byte(`{"calls":"many"}`)); !errors.Is(err, ErrInternal) {
		t.Errorf("unreadable counters: %v", err)
	}
	if stats, err := decodeStats([]byte(`{"calls":3,"by_outcome":{"MX_OK":3}}`)); err != nil || stats.Calls != 3 {
		t.Errorf("counters: %+v, %v", stats, err)
	}
	// The code is the object's numeric status; the returned status only fills in without one.
	e = errorFromObject(CodeInternal, []byte(`{"error":{"code":"MX_ERR_TIMEOUT","status":4,"message":"t"}}`))
	if e.Code != CodeTimeout {
		t.Errorf("code from the object's status: %#v", e)
	}
	e = errorFromObject(CodeTransport, []byte(`{"error":{"message":"t"}}`))
	if e.Code != CodeTransport {
		t.Errorf("code without a status key: %#v", e)
	}
}

func TestLibraryVersion(t *testing.T) {
	if v := LibraryVersion(); v == "" {
		t.Error("LibraryVersion() is empty")
	}
}
