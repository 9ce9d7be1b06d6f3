package mxsso

import (
	"context"
	"runtime"
	"testing"
)

// Clients dropped without Close are freed by their finalizer (their event handle with them);
// clients closed and then finalized are not freed twice. Run with -tags mxsso_debug (a GC
// before every C call) and GOGC=1 to make a use-after-free show at once.
func TestFinalizerFreesDroppedClients(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)
	events := 0
	for i := 0; i < 50; i++ {
		c, err := NewClient(WithBaseURL(emu.baseURL))
		if err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			c.SetEventHandler(func(Event) { events++ })
		}
		if _, err := c.UpdateUser(context.Background(), id, UserUpdate{Status: StatusDisabled}); err != nil {
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
	if events != 17 {
		t.Errorf("%d events, want 17", events)
	}
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

// Many calls with collections in between: every buffer handed to or returned by C, and every
// event delivered to Go, must be copied or kept alive correctly.
func TestCallsWithForcedCollections(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	rec := &recorder{}
	c.SetEventHandler(rec.handle)
	ctx := context.Background()
	id := emu.newUser(t)
	for i := 0; i < 100; i++ {
		user, err := c.UpdateUser(ctx, id, UserUpdate{Status: StatusEnabled})
		if err != nil || user.ExternalUserGUID != id {
			t.Fatalf("call %d: %+v, %v", i, user, err)
		}
		_, err = c.ReadUser(ctx, "no-such-user")
		if e := asError(t, err); e.HTTPStatus != 400 || e.MXError == "" {
			t.Fatalf("call %d: %#v", i, e)
		}
		if i%10 == 0 {
			runtime.GC()
		}
	}
	events := rec.take()
	if len(events) != 200 || events[199].Path != "/user/no-such-user" {
		t.Errorf("%d events, last %+v", len(events), events[len(events)-1])
	}
}
