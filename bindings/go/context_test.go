package mxsso

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A context deadline sooner than the client's timeout bounds the call: the server answers
// after 3 s, the client would wait 30 s, the context allows 300 ms. Only a call bounded by the
// context ends in a timeout (there is no timing assertion: a call that waited would succeed).
func TestContextDeadlineBoundsTheCall(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithTimeout(30*time.Second))
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 3000})

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.ReadUser(ctx, id)
	e := wantError(t, err, CodeTimeout, 0)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %#v; want ErrTimeout and context.DeadlineExceeded", e)
	}
}

// The same through the default client of the package-level functions.
func TestContextDeadlineBoundsAPackageLevelCall(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 3000})

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := ReadUser(ctx, id)
	wantError(t, err, CodeTimeout, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v; want context.DeadlineExceeded", err)
	}
}

// A deadline later than the client's timeout leaves the client's timeout in charge; the
// error is then not the context's.
func TestClientTimeoutSoonerThanContext(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithTimeout(200*time.Millisecond), WithMaxRetries(0))
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 1500})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.UpdateUser(ctx, id, UserUpdate{Status: StatusDisabled})
	wantError(t, err, CodeTimeout, 0)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a timeout of the client's own is reported as the context's")
	}
}

// A context already done returns its error, and nothing is sent (no request, no event).
func TestDoneContextSendsNothing(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	events := 0
	c.SetEventHandler(func(Event) { events++ })
	id := emu.newUser(t)
	emu.expectNothingSent(t)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		ctx  context.Context
		want error
	}{{canceled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		if _, err := c.ReadUser(tc.ctx, id); err != tc.want {
			t.Errorf("ReadUser: %v; want %v", err, tc.want)
		}
		if err := c.DeleteUser(tc.ctx, id); err != tc.want {
			t.Errorf("DeleteUser: %v; want %v", err, tc.want)
		}
		if _, _, err := EnsureUser(tc.ctx, NewUser{ExternalUserGUID: id}); err != tc.want {
			t.Errorf("package-level EnsureUser: %v; want %v", err, tc.want)
		}
		if _, err := c.Call(tc.ctx, "user.update", id, []byte(`{"status":"DISABLED"}`)); err != tc.want {
			t.Errorf("Call: %v; want %v", err, tc.want)
		}
	}
	if events != 0 {
		t.Errorf("%d events for calls that were never made", events)
	}
	stats, err := c.Stats()
	if err != nil || stats.Calls != 0 {
		t.Errorf("stats = %+v, %v; want no call", stats, err)
	}
}

func TestNilContextIsAnError(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	var noContext context.Context // the mistake under test
	_, err := c.ReadUser(noContext, "u-1")
	wantError(t, err, CodeInvalidArgument, 0, "ctx")
}
