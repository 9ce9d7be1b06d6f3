package mxsso

import (
	"context"
	"runtime"
	"runtime/cgo"
	"testing"
	"time"
)

// Clients dropped without Close are freed by their finalizer (their event handle with them);
// clients closed and then finalized are not freed twice. Run with -tags mxsso_debug (a GC
// before every C call) and GOGC=1 to make a use-after-free show at once.
func TestFinalizerFreesDroppedClients(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)
	events := 0
	var dropped []cgo.Handle // the sink handles of the clients left to their finalizer
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
		} else {
			dropped = append(dropped, c.sinkHandle)
		}
		// c is dropped here; the odd ones only have their finalizer.
		runtime.GC()
	}
	if events != 17 {
		t.Errorf("%d events, want 17", events)
	}
	// free deletes the sink handle after mx_client_free: a deleted handle shows that the
	// finalizer freed its client.
	live := dropped
	for deadline := time.Now().Add(10 * time.Second); len(live) > 0 && time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		live = live[:0:0]
		for _, h := range dropped {
			if !handleDeleted(h) {
				live = append(live, h)
			}
		}
	}
	if len(live) > 0 {
		t.Errorf("%d of %d dropped clients were never freed by their finalizer", len(live), len(dropped))
	}
}

// handleDeleted reports whether h was deleted (its Value panics).
func handleDeleted(h cgo.Handle) (deleted bool) {
	defer func() {
		if recover() != nil {
			deleted = true
		}
	}()
	h.Value()
	return false
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

// Every string the library hands over goes back to mx_string_free, every C copy of an argument
// to C.free and every client to mx_client_free, on every path: successes, HTTP and validation
// errors, an argument refused in Go (a NUL byte, after other arguments were copied), the
// default client, ensure, counters, refused options, clients closed and clients dropped (freed
// by their finalizer). The ledger counts the whole test binary's run, earlier tests included.
func TestEverythingHandedAcrossCIsGivenBack(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)
	ctx := context.Background()
	handedBefore, copiedBefore := ledger.stringsHandedOver.Load(), ledger.copiesMade.Load()
	c := emu.newTestClient(t)
	const rounds = 30
	for i := 0; i < rounds; i++ {
		_, _ = c.UpdateUser(ctx, id, UserUpdate{Status: StatusDisabled})
		_, _ = c.ReadUser(ctx, "no-such-user-ledger")
		_, _ = c.UpdateUser(ctx, id, UserUpdate{Sex: "X"})
		_, _ = ReadUser(ctx, id)
		_, _, _ = c.EnsureUser(ctx, NewUser{ExternalUserGUID: id})
		_, _ = c.Stats()
		if _, err := c.Call(ctx, "user.read", "a\x00b", nil); err == nil {
			t.Fatal("an id with a NUL byte was accepted")
		}
		if _, err := NewClient(WithBaseURL("not a url")); err == nil {
			t.Fatal("a bad base URL was accepted")
		}
		dropped, err := NewClient(WithBaseURL(emu.baseURL))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = dropped.ReadUser(ctx, id)
	}
	c.Close()
	for deadline := time.Now().Add(10 * time.Second); ledger.clientsFreed.Load() != ledger.clientsMade.Load() && time.Now().Before(deadline); {
		runtime.GC() // the dropped clients' finalizers
		time.Sleep(10 * time.Millisecond)
	}

	if handed := ledger.stringsHandedOver.Load() - handedBefore; handed < rounds*8 {
		t.Errorf("%d strings handed over in %d rounds; want at least %d", handed, rounds, rounds*8)
	}
	if copied := ledger.copiesMade.Load() - copiedBefore; copied < rounds*8 {
		t.Errorf("%d argument copies in %d rounds; want at least %d", copied, rounds, rounds*8)
	}
	for _, kind := range []struct {
		what        string
		made, freed int64
	}{
		{"strings handed over by the library", ledger.stringsHandedOver.Load(), ledger.stringsFreed.Load()},
		{"C copies of arguments", ledger.copiesMade.Load(), ledger.copiesFreed.Load()},
		{"clients", ledger.clientsMade.Load(), ledger.clientsFreed.Load()},
	} {
		if kind.made != kind.freed {
			t.Errorf("%s: %d made, %d given back", kind.what, kind.made, kind.freed)
		}
	}
}
