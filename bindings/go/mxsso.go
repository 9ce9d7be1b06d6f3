// Package mxsso calls MX's SSO API v2.8 "Update user" through the mx-sso library.
//
// The package is a thin layer over the library's C ABI (include/mx_sso.h): validation,
// retries, timeouts and error mapping all happen in the library, and this package only
// translates Go values to and from it. Create a [Client] for custom options and connection
// reuse, or call the package-level [UpdateUser] for the process-wide default client.
//
// Every C string argument is copied with C.CString and freed after the call; every string
// the library returns is copied into Go memory and released with mx_string_free. Failures
// are *[Error] values, never panics.
package mxsso

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdlib.h>
#include <string.h>
#include "mx_sso.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// nativeClient owns one mx_client handle. It is not safe for use after free; [Client]
// guards it with a lock.
type nativeClient struct {
	ptr *C.struct_mx_client
}

// newNativeClient creates a handle from an options JSON object.
func newNativeClient(optionsJSON string) (*nativeClient, error) {
	options, err := cString("options", optionsJSON)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(options))

	var outErr *C.char
	debugGC()
	ptr := C.mx_client_new(options, &outErr)
	detail := takeCString(outErr)
	if ptr == nil {
		return nil, errorFromClientNew(detail)
	}
	return &nativeClient{ptr: ptr}, nil
}

// free releases the handle; calling it twice is harmless.
func (n *nativeClient) free() {
	if n.ptr != nil {
		C.mx_client_free(n.ptr)
		n.ptr = nil
	}
}

// updateUser sends one Update user call, through n or, when n is nil, through the
// process-wide default client (mx_update_user). It returns the server's JSON body.
func (n *nativeClient) updateUser(apiKey, clientGUID, userGUID string, body []byte) ([]byte, error) {
	args, err := newCArgs(
		namedArg{"api_key", apiKey},
		namedArg{"client_guid", clientGUID},
		namedArg{"user_guid", userGUID},
		namedArg{"json_body", string(body)},
	)
	if err != nil {
		return nil, err
	}
	defer args.free()

	var out *C.char
	var status C.enum_mx_status
	debugGC()
	if n == nil {
		status = C.mx_update_user(args[0], args[1], args[2], args[3], &out)
	} else {
		status = C.mx_client_update_user(n.ptr, args[0], args[1], args[2], args[3], &out)
	}
	result := takeCBytes(out)
	if status == C.MX_OK {
		return result, nil
	}
	return nil, errorFromObject(StatusCode(status), result)
}

// statusText is the library's fixed description of a status (mx_status_str).
func statusText(code StatusCode) string {
	return C.GoString(C.mx_status_str(C.int(code)))
}

// libraryVersion is the linked library's version text (mx_version).
func libraryVersion() string {
	return C.GoString(C.mx_version())
}

// namedArg is a string argument with the name the library uses for it in messages.
type namedArg struct {
	name, value string
}

// cArgs are C copies of a call's string arguments, in order.
type cArgs []*C.char

// newCArgs copies every argument to C memory, or none of them if one holds a NUL byte.
func newCArgs(named ...namedArg) (cArgs, error) {
	args := make(cArgs, 0, len(named))
	for _, a := range named {
		p, err := cString(a.name, a.value)
		if err != nil {
			args.free()
			return nil, err
		}
		args = append(args, p)
	}
	return args, nil
}

// free releases every copy.
func (args cArgs) free() {
	for _, p := range args {
		C.free(unsafe.Pointer(p))
	}
}

// cString copies s to C memory for the caller to free with C.free. C strings end at the first
// NUL byte, so a NUL inside s would silently cut it short: that is an error naming the argument
// (never its value, which may be the API key).
func cString(name, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{
			Code:    CodeInvalidArgument,
			Message: fmt.Sprintf("%s contains a NUL byte, which a C string cannot carry", name),
		}
	}
	return C.CString(s), nil
}

// takeCBytes copies a string the library returned and frees it with mx_string_free.
// NULL gives nil.
func takeCBytes(s *C.char) []byte {
	if s == nil {
		return nil
	}
	defer C.mx_string_free(s)
	return C.GoBytes(unsafe.Pointer(s), C.int(C.strlen(s)))
}

// takeCString is takeCBytes for text.
func takeCString(s *C.char) string {
	return string(takeCBytes(s))
}
