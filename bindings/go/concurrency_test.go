package mxsso

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// 16 goroutines × 50 calls on one Client, each goroutine on its own user, alternating the
// status; every answer must be that goroutine's user, and the final state must be the last
// one set. Run under -race.
func TestConcurrentCallsShareOneClient(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
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
				if i%5 == 4 { // some calls through the raw JSON entry point
					raw, err := c.UpdateUserJSON(emu.apiKey, emu.clientGUID, id, []byte(fmt.Sprintf(`{"status":%q}`, status)))
					if err != nil {
						errs <- fmt.Errorf("%s call %d: %w", id, i, err)
						return
					}
					if !strings.Contains(string(raw), id) {
						errs <- fmt.Errorf("%s call %d: answer for another user: %s", id, i, raw)
						return
					}
					continue
				}
				user, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: status})
				if err != nil {
					errs <- fmt.Errorf("%s call %d: %w", id, i, err)
					return
				}
				if user.ExternalUserGUID != id {
					errs <- fmt.Errorf("%s call %d: answer for %s", id, i, user.ExternalUserGUID)
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
		// call 49 (odd) set ENABLED
		if got := emu.user(t, id)["status"].(map[string]any)["name"]; got != "ENABLED" {
			t.Errorf("%s: final status %v, want ENABLED", id, got)
		}
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
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					_, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled})
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
