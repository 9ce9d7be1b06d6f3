package mxsso

import (
	"runtime"
	"testing"
)

// Clients dropped without Close are freed by their finalizer; clients closed and then
// finalized are not freed twice. Run with -tags mxsso_debug (a GC before every C call) and
// GOGC=1 to make a use-after-free show at once.
func TestFinalizerFreesDroppedClients(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)
	for i := 0; i < 50; i++ {
		c, err := NewClient(WithBaseURL(emu.baseURL))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			c.Close()
		}
		// c is dropped here; the odd ones only have their finalizer.
		runtime.GC()
	}
	runtime.GC()
	runtime.GC()
}

func TestFinalizeAfterCloseIsHarmless(t *testing.T) {
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.finalize()
	c.Close()

	d, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	d.finalize()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

// Many calls with collections in between: every buffer handed to or returned by C must be
// copied or kept alive correctly.
func TestCallsWithForcedCollections(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	id := emu.newUser(t)
	for i := 0; i < 100; i++ {
		user, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusEnabled})
		if err != nil || user.ExternalUserGUID != id {
			t.Fatalf("call %d: %+v, %v", i, user, err)
		}
		_, err = c.UpdateUser(emu.apiKey, emu.clientGUID, "no-such-user", UserUpdate{Status: StatusEnabled})
		if e := asError(t, err); e.HTTPStatus != 400 || e.MXError == "" {
			t.Fatalf("call %d: %#v", i, e)
		}
		if i%10 == 0 {
			runtime.GC()
		}
	}
}
