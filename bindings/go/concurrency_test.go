package mxsso

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// 16 goroutines × 50 calls on one Client, each goroutine on its own user, alternating the
// status; every answer must be that goroutine's user, and the final state the last one set.
// Run under -race.
func TestConcurrentCallsShareOneClient(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	const goroutines, calls = 16, 50
	users := make([]string, goroutines)
	for i := range users {
		users[i] = emu.newUser(t)
	}

	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				status := StatusEnabled
				if i%2 == 0 {
					status = StatusDisabled
				}
				if i%5 == 4 { // some calls through the JSON entry point
					raw, err := c.Call(ctx, "user.update", id, []byte(fmt.Sprintf(`{"status":%q}`, status)))
					if err != nil || !strings.Contains(string(raw), id) {
						errs <- fmt.Errorf("%s call %d: %s %v", id, i, raw, err)
						return
					}
					continue
				}
				user, err := c.UpdateUser(ctx, id, UserUpdate{Status: status})
				if err != nil || user.ExternalUserGUID != id {
					errs <- fmt.Errorf("%s call %d: %+v %v", id, i, user, err)
					return
				}
			}
		}(users[g])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, id := range users {
		if got := emu.userStatus(t, id); got != "ENABLED" { // call 49 (odd) set ENABLED
			t.Errorf("%s: final status %s, want ENABLED", id, got)
		}
	}
}

// racesOf sums the Races counters of the clients (each counted once).
func racesOf(t *testing.T, clients []*Client) uint64 {
	t.Helper()
	seen := map[*Client]bool{}
	var races uint64
	for _, c := range clients {
		if seen[c] {
			continue
		}
		seen[c] = true
		stats, err := c.Stats()
		if err != nil {
			t.Fatal(err)
		}
		races += stats.Races
	}
	return races
}

// 16 goroutines ensure the same new user at once, through one shared client and through one
// client each: one user is created (one POST answered 200), and exactly one call reports
// created. The creates are held back 200 ms, so that every goroutine reads "not found" before
// any create lands and the losers meet MX's "User already exists": the counters must show
// that race resolved, else the test did not exercise it.
func TestEnsureRace(t *testing.T) {
	emu := needEmulator(t)
	shared := emu.newTestClient(t)
	for _, mode := range []string{"shared client", "client per goroutine"} {
		t.Run(mode, func(t *testing.T) {
			id := uniqueID(t, "go-race")
			emu.clearLog(t)
			const goroutines = 16
			clients := make([]*Client, goroutines)
			for g := range clients {
				clients[g] = shared
				if mode != "shared client" {
					clients[g] = emu.newTestClient(t)
				}
			}
			racesBefore := racesOf(t, clients)
			emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 200, "method": "POST", "path": "/user", "count": goroutines})
			var wg sync.WaitGroup
			start := make(chan struct{})
			type result struct {
				guid    string
				created bool
				err     error
			}
			results := make(chan result, goroutines)
			for _, c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					user, created, err := c.EnsureUser(context.Background(), NewUser{ExternalUserGUID: id})
					r := result{created: created, err: err}
					if user != nil {
						r.guid = user.GUID
					}
					results <- r
				}()
			}
			close(start)
			wg.Wait()
			close(results)
			created, guids := 0, map[string]bool{}
			for r := range results {
				if r.err != nil {
					t.Errorf("EnsureUser: %v", r.err)
					continue
				}
				guids[r.guid] = true
				if r.created {
					created++
				}
			}
			if created != 1 || len(guids) != 1 {
				t.Errorf("created = %d, distinct users = %d; want 1 and 1", created, len(guids))
			}
			entries := emu.requestLog(t)
			posted := 0
			for _, e := range entries {
				if e.Method == "POST" && e.Path == "/user" && e.Status != nil && *e.Status == 200 {
					posted++
				}
			}
			if posted != 1 || emu.user(t, id) == nil {
				t.Errorf("%d users created on the emulator; want 1", posted)
			}
			if races := racesOf(t, clients) - racesBefore; races < 1 {
				t.Errorf("races = %d; the race was not exercised", races)
			}
		})
	}
}

// The same race for a member, its creates held back as the users' are.
func TestEnsureMemberRace(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	userID := emu.newUser(t)
	id := uniqueID(t, "go-member-race")
	const goroutines = 16
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 200, "method": "POST", "path": "/member", "count": goroutines})
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	created, guids := 0, map[string]bool{}
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			member, made, err := c.EnsureMember(context.Background(), NewMember{ExternalUserGUID: userID, ExternalMemberGUID: id, Credentials: userkey("k")})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("EnsureMember: %v", err)
				return
			}
			guids[member.GUID] = true
			if made {
				created++
			}
		}()
	}
	close(start)
	wg.Wait()
	if created != 1 || len(guids) != 1 {
		t.Errorf("created = %d, distinct members = %d; want 1 and 1", created, len(guids))
	}
	if races := racesOf(t, []*Client{c}); races < 1 {
		t.Errorf("races = %d; the race was not exercised", races)
	}
}

// Close races with calls in flight and with other Close calls: every call either succeeds or
// fails with ErrClosed, nothing crashes, and Close waits for calls in progress.
func TestCloseRacesWithCalls(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)
	for round := 0; round < 5; round++ {
		c, err := NewClient(WithBaseURL(emu.baseURL))
		if err != nil {
			t.Fatal(err)
		}
		c.SetEventHandler(func(Event) {})
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					_, err := c.UpdateUser(context.Background(), id, UserUpdate{Status: StatusDisabled})
					if errors.Is(err, ErrClosed) {
						return
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(round) * 5 * time.Millisecond)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.Close(); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
	}
}

// Close waits for a call in progress (here one the server delays), which then succeeds: the
// call's event, delivered before the call returns, is seen before Close returns.
func TestCloseWaitsForARunningCall(t *testing.T) {
	emu := needEmulator(t)
	c, err := NewClient(WithBaseURL(emu.baseURL))
	if err != nil {
		t.Fatal(err)
	}
	var attemptEnded atomic.Bool
	c.SetEventHandler(func(Event) { attemptEnded.Store(true) })
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 300})
	before := emu.requests(t)
	done := make(chan error, 1)
	go func() {
		_, err := c.ReadUser(context.Background(), id)
		done <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); emu.requests(t) == before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond) // until the request reached the server
	}
	c.Close()
	if !attemptEnded.Load() {
		t.Error("Close returned while a call was still running")
	}
	if err := <-done; err != nil {
		t.Errorf("the call running during Close: %v", err)
	}
	if _, err := c.ReadUser(context.Background(), id); !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("call after Close = %v, want ErrClosed and ErrInvalidArgument", err)
	}
}

// A handler may Close its own client (here from the first event of a retried call, and from a
// call nested in a handler): Close returns at once, the running call completes, later calls
// fail with ErrClosed, and the client is freed when its last running call returns.
func TestHandlerClosesItsOwnClient(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)
	for _, nested := range []bool{false, true} {
		c, err := NewClient(WithBaseURL(emu.baseURL))
		if err != nil {
			t.Fatal(err)
		}
		other := emu.newTestClient(t)
		var closed atomic.Bool
		closeC := func(Event) {
			if closed.CompareAndSwap(false, true) {
				c.Close()
				if _, err := c.ReadUser(context.Background(), id); !errors.Is(err, ErrClosed) {
					t.Errorf("a call after Close inside the handler: %v", err)
				}
			}
		}
		if nested { // c's handler calls other, whose handler closes c
			other.SetEventHandler(closeC)
			c.SetEventHandler(func(Event) { _, _ = other.ReadUser(context.Background(), id) })
		} else {
			c.SetEventHandler(closeC)
		}
		emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 1})
		done := make(chan error, 1)
		go func() {
			_, err := c.UpdateUser(context.Background(), id, UserUpdate{Status: StatusDisabled})
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("nested %v: the call whose handler closed its client: %v", nested, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("nested %v: the call whose handler closed its client never returned", nested)
		}
		if !closed.Load() || !handleDeleted(c.sinkHandle) {
			t.Errorf("nested %v: closed %v; the client was not freed after its last call", nested, closed.Load())
		}
		if _, err := c.ReadUser(context.Background(), id); !errors.Is(err, ErrClosed) {
			t.Errorf("nested %v: a call after Close: %v", nested, err)
		}
	}
}
