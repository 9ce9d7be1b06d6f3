package mxsso

// Everything that touches C lives in this file (and the exported callback in events.go):
// strings copied in with C.CString and freed after the call, strings returned by the library
// copied out and released with mx_string_free.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mx_sso.h"

// The mxsso_calls running on this thread, innermost first: each is a frame on the C stack of
// its mxsso_call, linked to the one it is nested in (a call made from inside a handler). The
// library calls event handlers on the calling thread, during mx_client_call, and a Go handler
// runs on that thread too, so the trampoline finds here the call its event belongs to, and
// Close finds whether it runs inside a call of its own client.
struct mxsso_frame {
	const mx_client *client;
	uintptr_t call; // the Go call state (a cgo.Handle), 0 for none
	struct mxsso_frame *outer;
};
static __thread struct mxsso_frame *mxsso_frames;

// events.go: the one Go function the library calls back, through mxsso_on_event.
extern void mxssoEvent(uintptr_t sink, uintptr_t call, char *event_json);

// The mx_event_fn of every Go client: user_data is the client's event sink as a
// runtime/cgo.Handle (an integer, never a Go pointer).
static void mxsso_on_event(void *user_data, const char *event_json) {
	mxssoEvent((uintptr_t)user_data, mxsso_frames ? mxsso_frames->call : 0, (char *)event_json);
}

static enum mx_status mxsso_call(uintptr_t call, const mx_client *client, const char *operation,
                                 const char *id, const char *json_body,
                                 const char *call_options_json, char **out_buf) {
	struct mxsso_frame frame = {client, call, mxsso_frames};
	mxsso_frames = &frame;
	// Credentials NULL: the client's own (its options; the default client's environment).
	enum mx_status status = mx_client_call(client, operation, NULL, NULL, id, json_body,
	                                       call_options_json, out_buf);
	mxsso_frames = frame.outer;
	return status;
}

// Whether this thread is inside a call of client (a handler of one of its calls is running
// here). Compares addresses only: client is never dereferenced.
static int mxsso_inside_call_of(const mx_client *client) {
	for (const struct mxsso_frame *f = mxsso_frames; f != NULL; f = f->outer) {
		if (f->client == client) return 1;
	}
	return 0;
}

static enum mx_status mxsso_set_events(mx_client *client, uintptr_t sink, int on) {
	return mx_client_set_event_handler(client, on ? mxsso_on_event : NULL,
	                                   on ? (void *)sink : NULL);
}
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"strings"
	"unsafe"
)

// nativeClient is an mx_client handle. NULL (nil) is the library's process-wide default
// client, which only the package-level functions use.
type nativeClient = *C.struct_mx_client

// newNativeClient creates a handle from an options JSON object.
func newNativeClient(optionsJSON string) (nativeClient, error) {
	options, err := cString("options", optionsJSON)
	if err != nil {
		return nil, err
	}
	defer freeCString(options)

	var outErr *C.char
	debugGC()
	ptr := C.mx_client_new(options, &outErr)
	noteHandedOver(outErr != nil)
	detail := takeCBytes(outErr)
	if ptr == nil {
		return nil, errorFromClientNew(detail)
	}
	ledger.clientsMade.Add(1)
	return ptr, nil
}

// insideCallOf reports whether the calling goroutine runs inside a call of ptr: in an event
// handler of one of its calls (the goroutine of a handler stays on the thread that made the
// call), directly or through calls nested in handlers.
func insideCallOf(ptr nativeClient) bool {
	return C.mxsso_inside_call_of(ptr) != 0
}

// freeNativeClient releases a handle made by newNativeClient; no call may be using it.
func freeNativeClient(ptr nativeClient) {
	C.mx_client_free(ptr)
	ledger.clientsFreed.Add(1)
}

// nativeCall runs one operation through mx_client_call. id, body and callOptions are left
// NULL when absent. callToken is the cgo.Handle of the call's event trace, or 0. It returns
// the status and the library's answer (success text or error object).
func nativeCall(ptr nativeClient, callToken cgo.Handle, op string, id, body, callOptions *string) (StatusCode, []byte, error) {
	args, err := newCArgs(
		namedArg{"operation", &op},
		namedArg{"id", id},
		namedArg{"json_body", body},
		namedArg{"call_options_json", callOptions},
	)
	if err != nil {
		return 0, nil, err
	}
	defer args.free()

	var out *C.char
	debugGC()
	status := C.mxsso_call(C.uintptr_t(callToken), ptr, args[0], args[1], args[2], args[3], &out)
	noteHandedOver(out != nil)
	return StatusCode(status), takeCBytes(out), nil
}

// setNativeEvents installs (on) or removes the client's event handler; sink is the
// cgo.Handle of its eventSink.
func setNativeEvents(ptr nativeClient, sink cgo.Handle, on bool) {
	var flag C.int
	if on {
		flag = 1
	}
	debugGC()
	C.mxsso_set_events(ptr, C.uintptr_t(sink), flag)
}

// nativeStats returns the client's counters as the library's JSON object.
func nativeStats(ptr nativeClient) (StatusCode, []byte) {
	var out *C.char
	debugGC()
	status := C.mx_client_stats(ptr, &out)
	noteHandedOver(out != nil)
	return StatusCode(status), takeCBytes(out)
}

// statusText is the library's fixed description of a status (mx_status_str).
func statusText(code StatusCode) string {
	return C.GoString(C.mx_status_str(C.int(code)))
}

// libraryVersion is the linked library's version text (mx_version).
func libraryVersion() string {
	return C.GoString(C.mx_version())
}

// namedArg is a string argument, nil for NULL, with the name the library uses for it in
// messages.
type namedArg struct {
	name  string
	value *string
}

// cArgs are C copies of a call's string arguments, in order; NULL where absent.
type cArgs []*C.char

// newCArgs copies every argument to C memory, or none of them if one holds a NUL byte.
func newCArgs(named ...namedArg) (cArgs, error) {
	args := make(cArgs, 0, len(named))
	for _, a := range named {
		if a.value == nil {
			args = append(args, nil)
			continue
		}
		p, err := cString(a.name, *a.value)
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
		freeCString(p)
	}
}

// cString copies s to C memory for the caller to free with C.free. C strings end at the first
// NUL byte, so a NUL inside s would silently cut it short: that is an error naming the argument
// (never its value, which may be a credential).
func cString(name, s string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, &Error{
			Code:    CodeInvalidArgument,
			Message: fmt.Sprintf("%s contains a NUL byte, which a C string cannot carry", name),
		}
	}
	ledger.copiesMade.Add(1)
	return C.CString(s), nil
}

// freeCString releases a copy made by cString; NULL does nothing.
func freeCString(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
		ledger.copiesFreed.Add(1)
	}
}

// takeCBytes copies a string the library returned and frees it with mx_string_free.
// NULL gives nil.
func takeCBytes(s *C.char) []byte {
	if s == nil {
		return nil
	}
	defer giveBackString(s)
	return C.GoBytes(unsafe.Pointer(s), C.int(C.strlen(s)))
}

// giveBackString releases a string the library handed over.
func giveBackString(s *C.char) {
	C.mx_string_free(s)
	ledger.stringsFreed.Add(1)
}
