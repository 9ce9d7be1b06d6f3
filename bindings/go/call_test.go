package mxsso

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// Call takes and returns JSON exactly as the library does, for every kind of operation.
func TestCallJSONInJSONOut(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := uniqueID(t, "go-call")

	decode := func(raw []byte) map[string]any {
		t.Helper()
		var v map[string]any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("not JSON: %v: %q", err, raw)
		}
		return v
	}
	raw, err := c.Call(ctx, "user.ensure", "", []byte(`{"external_user_guid": "`+id+`"}`))
	if err != nil {
		t.Fatalf("user.ensure: %v", err)
	}
	ensured := decode(raw)
	if ensured["created"] != true || ensured["user"].(map[string]any)["external_user_guid"] != id {
		t.Errorf("ensure answer = %s", raw)
	}
	raw, err = c.Call(ctx, "user.update", id, []byte(`{"status": "DISABLED"}`))
	if err != nil || decode(raw)["external_user_guid"] != id {
		t.Fatalf("user.update: %s %v", raw, err)
	}
	raw, err = c.Call(ctx, "user.read", id, nil)
	if err != nil || decode(raw)["status"].(map[string]any)["name"] != "DISABLED" {
		t.Fatalf("user.read: %s %v", raw, err)
	}
	raw, err = c.Call(ctx, "user.delete", id, nil)
	if err != nil || string(raw) != "{}" {
		t.Fatalf("user.delete of a 204: %q %v; want {}", raw, err)
	}
}

// Argument mistakes are refused by the library, naming the argument; nothing is sent.
func TestCallArgumentMistakes(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	emu.expectNothingSent(t)

	for _, tc := range []struct {
		name     string
		op, id   string
		body     []byte
		fragment string
	}{
		{"unknown operation", "user.frobnicate", "", nil, "user.update"},
		{"id to a create", "user.create", "u-1", []byte(`{"external_user_guid":"u-1"}`), "takes no id"},
		{"no id to a read", "user.read", "", nil, "takes an id"},
		{"no id to a member delete", "member.delete", "", nil, "takes an id"},
		{"body to a read", "user.read", "u-1", []byte(`{}`), "takes no body"},
		{"no body to an update", "user.update", "u-1", nil, "json_body"},
		{"empty body", "user.update", "u-1", []byte{}, "json_body"},
		{"id too long", "user.read", strings.Repeat("x", 1025), nil, "user_guid"},
		{"id with a control character", "user.read", "a\nb", nil, "user_guid"},
		{"id ..", "user.read", "..", nil, "user_guid"},
		{"NUL in operation", "user.read\x00", "u-1", nil, "operation"},
		{"NUL in id", "user.read", "u\x00../admin", nil, "id"},
		{"NUL in body", "user.update", "u-1", []byte("{\"status\":\"DISABLED\"}\x00{}"), "json_body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, call := range []func() ([]byte, error){
				func() ([]byte, error) { return c.Call(ctx, tc.op, tc.id, tc.body) },
				func() ([]byte, error) { return Call(ctx, tc.op, tc.id, tc.body) },
			} {
				_, err := call()
				e := asError(t, err)
				if e.Code != CodeInvalidArgument && e.Code != CodeValidation {
					t.Fatalf("got %#v, want an invalid argument or validation error", e)
				}
				if !strings.Contains(e.Message, tc.fragment) {
					t.Errorf("message %q does not say %q", e.Message, tc.fragment)
				}
				if strings.Contains(e.Message, "admin") {
					t.Errorf("message %q repeats the value", e.Message)
				}
			}
		})
	}
}

// A create whose answer is lost after MX processed it (the emulator's process_then_close on
// POST /user) is resolved by reading its external guid back: one user, one POST, success.
func TestCreateResolvedByReadBack(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := uniqueID(t, "go-readback")
	emu.clearLog(t)
	emu.injectFaults(t, map[string]any{"kind": "process_then_close", "method": "POST", "path": "/user"})

	user, err := c.CreateUser(ctx, NewUser{ExternalUserGUID: id, FirstName: "Rae"})
	if err != nil {
		t.Fatalf("CreateUser after a lost answer: %v", err)
	}
	if user.ExternalUserGUID != id || user.FirstName != "Rae" {
		t.Errorf("user = %+v", user)
	}
	entries := emu.requestLog(t)
	if n := count(entries, "POST", "/user", ""); n != 1 {
		t.Errorf("%d POST /user; want exactly 1 (a create is never re-sent blindly): %+v", n, entries)
	}
	if count(entries, "POST", "/user", "processed_no_answer") != 1 || count(entries, "GET", "/user/"+id, "answered") != 1 {
		t.Errorf("want the lost POST then one read-back GET: %+v", entries)
	}
	stats, err := c.Stats()
	if err != nil || stats.ReadBacks != 1 || stats.Attempts != 2 {
		t.Errorf("stats = %+v, %v; want 1 read-back in 2 attempts", stats, err)
	}
}

// Without an external guid (lenient client) a lost create cannot be read back: a clear error,
// exactly one POST.
func TestLostCreateWithoutExternalGUID(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithStrictFields(false))
	emu.clearLog(t)
	emu.injectFaults(t, map[string]any{"kind": "process_then_close", "method": "POST", "path": "/user"})

	_, err := c.CreateUser(context.Background(), NewUser{FirstName: "NoGuid"})
	e := wantError(t, err, CodeTransport, 0, "may or may not have been created")
	if e.Attempts != 1 {
		t.Errorf("attempts = %d, want 1", e.Attempts)
	}
	if n := count(emu.requestLog(t), "POST", "/user", ""); n != 1 {
		t.Errorf("%d POST /user; want exactly 1", n)
	}
}

// A deadline that ends during the read-back: a timeout, not a success or a second POST. The
// read-back is delayed 3 s, past the 1.5 s deadline (room for a loaded machine to send the
// POST and the read-back in time); a client that waited for it would succeed.
func TestDeadlineDuringReadBack(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithTimeout(1500*time.Millisecond))
	id := uniqueID(t, "go-readback-deadline")
	emu.clearLog(t)
	emu.injectFaults(t,
		map[string]any{"kind": "process_then_close", "method": "POST", "path": "/user"},
		map[string]any{"kind": "delay", "ms": 3000, "method": "GET", "path": "/user/" + id},
	)

	_, err := c.CreateUser(context.Background(), NewUser{ExternalUserGUID: id})
	e := wantError(t, err, CodeTimeout, 0)
	if !errors.Is(err, ErrTimeout) || e.Attempts != 2 {
		t.Errorf("got %#v; want a timeout after the POST and the read-back", e)
	}
	if n := count(emu.requestLog(t), "POST", "/user", ""); n != 1 {
		t.Errorf("%d POST /user; want exactly 1", n)
	}
}
