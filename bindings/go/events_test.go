package mxsso

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder keeps every event it is handed; safe for any number of goroutines.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) handle(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) take() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	events := r.events
	r.events = nil
	return events
}

// recordingClient is a test client whose events go to a recorder.
func recordingClient(t *testing.T, emu *emulator, opts ...Option) (*Client, *recorder) {
	t.Helper()
	c := emu.newTestClient(t, opts...)
	r := &recorder{}
	c.SetEventHandler(r.handle)
	return c, r
}

func TestEventsOfARetriedCall(t *testing.T) {
	emu := needEmulator(t)
	c, rec := recordingClient(t, emu)
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 1})

	if _, err := c.UpdateUser(context.Background(), id, UserUpdate{Status: StatusDisabled}); err != nil {
		t.Fatal(err)
	}
	events := rec.take()
	if len(events) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(events), events)
	}
	first, second := events[0], events[1]
	if first.Call != "user.update" || first.Op != "user.update" || first.Method != "PUT" || first.Path != "/user/"+id ||
		first.Attempt != 1 || first.Outcome != "MX_ERR_HTTP" || first.HTTPStatus != 503 || first.Message == "" ||
		first.RetryInMS == nil || first.Connection != "new" {
		t.Errorf("first event = %+v", first)
	}
	if second.Attempt != 2 || second.Outcome != "MX_OK" || second.HTTPStatus != 200 || second.RetryInMS != nil ||
		second.Message != "" || second.Connection == "" {
		t.Errorf("second event = %+v", second)
	}
	if age := time.Since(second.TS); age < 0 || age > time.Minute || second.ElapsedUS <= 0 {
		t.Errorf("ts = %v, elapsed_us = %d", second.TS, second.ElapsedUS)
	}
}

// A call refused before sending has one event, attempt 0, with the path it would have used.
func TestEventOfARefusedCall(t *testing.T) {
	emu := needEmulator(t)
	c, rec := recordingClient(t, emu)

	_, err := c.UpdateUser(context.Background(), "u-refused", UserUpdate{Status: "PAUSED"})
	wantError(t, err, CodeValidation, 0)
	events := rec.take()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(events), events)
	}
	e := events[0]
	if e.Attempt != 0 || e.Outcome != "MX_ERR_VALIDATION" || e.Call != "user.update" || e.Method != "PUT" ||
		e.Path != "/user/u-refused" || e.HTTPStatus != 0 || e.Connection != "" || e.RetryInMS != nil ||
		!strings.Contains(e.Message, "status") {
		t.Errorf("event = %+v", e)
	}

	_, err = c.Call(context.Background(), "user.nope", "", nil)
	wantError(t, err, CodeInvalidArgument, 0)
	if events = rec.take(); len(events) != 1 || events[0].Attempt != 0 || events[0].Outcome != "MX_ERR_INVALID_ARGUMENT" {
		t.Errorf("unknown operation: events = %+v", events)
	}
}

func TestEventsOfAReadBack(t *testing.T) {
	emu := needEmulator(t)
	c, rec := recordingClient(t, emu)
	id := uniqueID(t, "go-ev-readback")
	emu.injectFaults(t, map[string]any{"kind": "process_then_close", "method": "POST", "path": "/user"})

	if _, err := c.CreateUser(context.Background(), NewUser{ExternalUserGUID: id}); err != nil {
		t.Fatal(err)
	}
	events := rec.take()
	if len(events) != 2 {
		t.Fatalf("%d events, want 2: %+v", len(events), events)
	}
	if e := events[0]; e.Call != "user.create" || e.Op != "user.create" || e.Method != "POST" || e.Path != "/user" ||
		e.Attempt != 1 || e.Outcome == "MX_OK" || e.HTTPStatus != 0 {
		t.Errorf("lost create = %+v", e)
	}
	if e := events[1]; e.Call != "user.create" || e.Op != "user.read" || e.Method != "GET" || e.Path != "/user/"+id ||
		e.Attempt != 2 || e.Outcome != "MX_OK" {
		t.Errorf("read-back = %+v", e)
	}
}

func TestEventsOfEnsure(t *testing.T) {
	emu := needEmulator(t)
	c, rec := recordingClient(t, emu)
	id := uniqueID(t, "go-ev-ensure")

	if _, created, err := c.EnsureUser(context.Background(), NewUser{ExternalUserGUID: id}); err != nil || !created {
		t.Fatal(created, err)
	}
	events := rec.take()
	if len(events) != 2 || events[0].Op != "user.read" || events[0].HTTPStatus != 400 || events[1].Op != "user.create" ||
		events[1].Outcome != "MX_OK" || events[0].Call != "user.ensure" || events[1].Call != "user.ensure" {
		t.Errorf("ensure's events = %+v", events)
	}
}

func TestEventOfATimeout(t *testing.T) {
	emu := needEmulator(t)
	c, rec := recordingClient(t, emu, WithTimeout(200*time.Millisecond), WithMaxRetries(0))
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 1500})

	_, err := c.ReadUser(context.Background(), id)
	wantError(t, err, CodeTimeout, 0)
	events := rec.take()
	if len(events) != 1 || events[0].Outcome != "MX_ERR_TIMEOUT" || events[0].Attempt != 1 || events[0].RetryInMS != nil {
		t.Errorf("events = %+v", events)
	}
}

// 16 goroutines share one client with a handler (run under -race): one event per attempt,
// so the events add up to the counters' attempts.
func TestEventsFromManyGoroutines(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	var events atomic.Int64
	var bad atomic.Value
	c.SetEventHandler(func(e Event) {
		events.Add(1)
		if e.Outcome != "MX_OK" || e.Attempt != 1 {
			bad.Store(e)
		}
	})
	id := emu.newUser(t)
	const goroutines, calls = 16, 25
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				if _, err := c.ReadUser(context.Background(), id); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	stats, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Calls != goroutines*calls || uint64(events.Load()) != stats.Attempts || stats.ByOutcome["MX_OK"] != stats.Calls {
		t.Errorf("events = %d, stats = %+v", events.Load(), stats)
	}
	if e := bad.Load(); e != nil {
		t.Errorf("unexpected event %+v", e)
	}
}

// The handler is replaced and removed while 8 goroutines call: every event reaches exactly one
// handler while one is set, and none once it is removed.
func TestReplacingAndRemovingTheHandlerMidRun(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	id := emu.newUser(t)
	// Calls on quiet are made only after the handler is removed: none of its events may reach
	// a handler. (Events of the other goroutines' calls that took the handler just before its
	// removal may still arrive after SetEventHandler returns.)
	quiet := emu.newUser(t)
	var first, second, quietEvents atomic.Int64
	c.SetEventHandler(func(Event) { first.Add(1) })

	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := c.ReadUser(context.Background(), id); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	waitFor := func(counter *atomic.Int64, n int64) {
		for deadline := time.Now().Add(10 * time.Second); counter.Load() < n && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(&first, 50)
	c.SetEventHandler(func(e Event) {
		second.Add(1)
		if e.Path == "/user/"+quiet {
			quietEvents.Add(1)
		}
	})
	waitFor(&second, 50)
	stop.Store(true)
	wg.Wait()
	stats, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if first.Load() < 50 || second.Load() < 50 || uint64(first.Load()+second.Load()) != stats.Attempts {
		t.Errorf("events %d + %d, attempts %d", first.Load(), second.Load(), stats.Attempts)
	}

	// Removed mid-run: calls after SetEventHandler(nil) returned produce no event.
	stop.Store(false)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if _, err := c.ReadUser(context.Background(), id); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	waitFor(&second, second.Load()+20)
	c.SetEventHandler(nil)
	for i := 0; i < 20; i++ {
		if _, err := c.ReadUser(context.Background(), quiet); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := quietEvents.Load(); n != 0 {
		t.Errorf("%d events of calls made after the handler was removed", n)
	}
}

// A handler that panics does not break the call; its first panic is logged, once.
func TestHandlerPanicDoesNotBreakTheCall(t *testing.T) {
	emu := needEmulator(t)
	var logs bytes.Buffer
	c := emu.newTestClient(t, WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))))
	c.SetEventHandler(func(Event) { panic("handler bug") })
	id := emu.newUser(t)
	for i := 0; i < 3; i++ {
		if _, err := c.ReadUser(context.Background(), id); err != nil {
			t.Fatalf("call %d with a panicking handler: %v", i, err)
		}
	}
	if n := strings.Count(logs.String(), "handler bug"); n != 1 {
		t.Errorf("the panic was logged %d times, want once:\n%s", n, logs.String())
	}
	// A new handler gets its own first complaint, as in Python.
	c.SetEventHandler(func(Event) { panic("second handler bug") })
	for i := 0; i < 3; i++ {
		if _, err := c.ReadUser(context.Background(), id); err != nil {
			t.Fatalf("call %d with the second panicking handler: %v", i, err)
		}
	}
	if n := strings.Count(logs.String(), "second handler bug"); n != 1 {
		t.Errorf("the second handler's panic was logged %d times, want once:\n%s", n, logs.String())
	}
}

// A handler may use the client it belongs to (here its counters and a nested call).
func TestHandlerMayCallTheClient(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	id := emu.newUser(t)
	var nested atomic.Bool
	var statsSeen atomic.Uint64
	c.SetEventHandler(func(e Event) {
		if s, err := c.Stats(); err == nil {
			statsSeen.Store(s.Attempts)
		}
		if e.Op == "user.update" && nested.CompareAndSwap(false, true) {
			if _, err := c.ReadUser(context.Background(), id); err != nil {
				t.Errorf("nested call: %v", err)
			}
		}
	})
	if _, err := c.UpdateUser(context.Background(), id, UserUpdate{Status: StatusDisabled}); err != nil {
		t.Fatal(err)
	}
	if !nested.Load() || statsSeen.Load() != 2 {
		t.Errorf("nested = %v, attempts seen = %d", nested.Load(), statsSeen.Load())
	}
}

func TestStats(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 1})

	_, _ = c.ReadUser(ctx, id)                                 // 503, retried: 2 attempts
	_, _ = c.ReadUser(ctx, "no-such-user-stats")               // 400: 1 attempt
	_, _ = c.UpdateUser(ctx, id, UserUpdate{Status: "bad"})    // refused: 0 attempts
	_, _, _ = c.EnsureUser(ctx, NewUser{ExternalUserGUID: id}) // found: 1 attempt
	stats, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Calls: 4, Attempts: 4, Retries: 1, ConnectionsOpened: stats.ConnectionsOpened,
		ByOutcome: map[string]uint64{"MX_OK": 2, "MX_ERR_HTTP": 1, "MX_ERR_VALIDATION": 1}}
	sum := uint64(0)
	for name, n := range stats.ByOutcome {
		sum += n
		if n != want.ByOutcome[name] {
			t.Errorf("by_outcome[%s] = %d, want %d", name, n, want.ByOutcome[name])
		}
	}
	if stats.Calls != want.Calls || stats.Attempts != want.Attempts || stats.Retries != want.Retries ||
		sum != stats.Calls || stats.ConnectionsOpened < 1 || stats.TLSHandshakes != 0 || stats.ReadBacks != 0 {
		t.Errorf("stats = %+v", stats)
	}

	c.Close()
	if _, err := c.Stats(); err == nil {
		t.Error("Stats after Close succeeded")
	}
	c.SetEventHandler(func(Event) {}) // does nothing after Close
}
