// Go side by side: mxsso.Client against net/http with keep-alive (and the C path through the
// same library), each doing MX's Update user, interleaved in rounds. A benchmark, not a test.
//
//	bench-go latency OUT ROUNDS PER_ROUND      raw samples "contender<TAB>round<TAB>ns" to OUT
//	bench-go throughput SECONDS GOROUTINES mxsso|nethttp   one JSON line
//	bench-go events ROUNDS PER_ROUND           a table: no handler vs handlers (events.go)
//
// Environment: MX_SSO_BASE_URL, MX_SSO_API_KEY, MX_SSO_CLIENT_GUID, BENCH_USER.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	mxsso "github.com/mx-sso/mx-sso/bindings/go"
)

const body = `{"status":"DISABLED"}`

var (
	baseURL    = os.Getenv("MX_SSO_BASE_URL")
	apiKey     = os.Getenv("MX_SSO_API_KEY")
	clientGUID = os.Getenv("MX_SSO_CLIENT_GUID")
	userGUID   = os.Getenv("BENCH_USER")
)

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench-go: "+format+"\n", args...)
	os.Exit(1)
}

// What a Go user would write with the standard library: one http.Client (keep-alive by
// default), the URL built per call, the body read whole so the connection is reused.
type netHTTP struct {
	client *http.Client
}

func (h *netHTTP) call() ([]byte, error) {
	u := baseURL + "/user/" + url.PathEscape(userGUID) + "?k=" + url.QueryEscape(apiKey) + "&c=" + url.QueryEscape(clientGUID)
	req, err := http.NewRequest(http.MethodPut, u, bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return data, nil
}

func newNetHTTP() *netHTTP {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return &netHTTP{client: &http.Client{Transport: t, Timeout: 30 * time.Second}}
}

func newMx(opts ...mxsso.Option) *mxsso.Client {
	c, err := mxsso.NewClient(append([]mxsso.Option{mxsso.WithBaseURL(baseURL), mxsso.WithCredentials(apiKey, clientGUID)}, opts...)...)
	if err != nil {
		die("NewClient: %v", err)
	}
	return c
}

func timed(n int, f func() error) ([]int64, error) {
	ns := make([]int64, n)
	for i := range ns {
		t0 := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		ns[i] = int64(time.Since(t0))
	}
	return ns, nil
}

func latency(out string, rounds, perRound int) {
	mx := newMx()
	defer mx.Close()
	nh := newNetHTTP()
	opts, _ := json.Marshal(map[string]string{"base_url": baseURL})
	cp, err := newCPath(string(opts), apiKey, clientGUID, userGUID, body)
	if err != nil {
		die("%v", err)
	}
	raw := []byte(body)
	ctx := context.Background()
	type contender struct {
		name string
		run  func(n int) ([]int64, error)
	}
	cs := []contender{
		{"mxsso.Client", func(n int) ([]int64, error) {
			return timed(n, func() error { _, err := mx.Call(ctx, "user.update", userGUID, raw); return err })
		}},
		{"mxsso.Client.UpdateUser", func(n int) ([]int64, error) {
			return timed(n, func() error {
				_, err := mx.UpdateUser(ctx, userGUID, mxsso.UserUpdate{Status: mxsso.StatusDisabled})
				return err
			})
		}},
		{"net/http", func(n int) ([]int64, error) {
			return timed(n, func() error { _, err := nh.call(); return err })
		}},
		{"C path (same process)", cp.run},
	}
	f, err := os.Create(out)
	if err != nil {
		die("%v", err)
	}
	w := bufio.NewWriter(f)
	for round := -1; round < rounds; round++ {
		start := round
		if start < 0 {
			start = 0
		}
		for k := range cs {
			c := cs[(k+start)%len(cs)]
			ns, err := c.run(perRound)
			if err != nil {
				die("%s: %v", c.name, err)
			}
			if round >= 0 {
				for _, v := range ns {
					fmt.Fprintf(w, "%s\t%d\t%d\n", c.name, round, v)
				}
			}
		}
	}
	w.Flush()
	f.Close()
}

func throughput(seconds float64, goroutines int, impl string) {
	var call func() error
	switch impl {
	case "mxsso":
		mx := newMx()
		defer mx.Close()
		raw := []byte(body)
		call = func() error { _, err := mx.Call(context.Background(), "user.update", userGUID, raw); return err }
	case "nethttp":
		nh := newNetHTTP()
		call = func() error { _, err := nh.call(); return err }
	default:
		die("unknown impl %s", impl)
	}
	var stop atomic.Bool
	var total atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := int64(0)
			for !stop.Load() {
				if err := call(); err != nil {
					die("%s: %v", impl, err)
				}
				n++
			}
			total.Add(n)
		}()
	}
	time.Sleep(time.Duration(seconds * float64(time.Second)))
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(t0).Seconds()
	fmt.Printf("{\"impl\":%q,\"threads\":%d,\"calls\":%d,\"seconds\":%.3f,\"per_second\":%.0f}\n",
		impl, goroutines, total.Load(), elapsed, float64(total.Load())/elapsed)
}

func main() {
	if len(os.Args) < 2 {
		die("usage: bench-go latency OUT ROUNDS PER_ROUND | throughput SECONDS GOROUTINES IMPL | events ROUNDS PER_ROUND")
	}
	atoi := func(s string) int {
		v, err := strconv.Atoi(s)
		if err != nil {
			die("%v", err)
		}
		return v
	}
	switch os.Args[1] {
	case "latency":
		latency(os.Args[2], atoi(os.Args[3]), atoi(os.Args[4]))
	case "throughput":
		s, err := strconv.ParseFloat(os.Args[2], 64)
		if err != nil {
			die("%v", err)
		}
		throughput(s, atoi(os.Args[3]), os.Args[4])
	case "events":
		eventsCost(atoi(os.Args[2]), atoi(os.Args[3]))
	default:
		die("unknown mode %s", os.Args[1])
	}
}
