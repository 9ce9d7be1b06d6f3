package main

// What events cost a Go call: one client without a handler against clients with an event
// handler or an slog logger, all doing MX's Update user (one attempt each), interleaved in
// rounds (the order rotates every round) in one process. Pin the emulator and this program to
// one CPU (taskset -c 0) for latency figures. A benchmark, not a test.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"sync/atomic"

	mxsso "github.com/mx-sso/mx-sso/bindings/go"
)

func eventsCost(rounds, perRound int) {
	var seen atomic.Int64
	withHandler := newMx()
	withHandler.SetEventHandler(func(mxsso.Event) { seen.Add(1) })
	quietLogger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	debugLogger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug}))
	contenders := []struct {
		name   string
		client *mxsso.Client
	}{
		{"no handler", newMx()},
		{"handler (counts events)", withHandler},
		{"WithLogger, DEBUG off (nothing written)", newMx(mxsso.WithLogger(quietLogger))},
		{"WithLogger, DEBUG on (JSON to io.Discard)", newMx(mxsso.WithLogger(debugLogger))},
	}
	ctx := context.Background()
	raw := []byte(body)
	samples := make([][]int64, len(contenders))
	for round := -1; round < rounds; round++ { // round -1 warms every client up
		for k := range contenders {
			i := (k + max(round, 0)) % len(contenders)
			c := contenders[i].client
			ns, err := timed(perRound, func() error { _, err := c.Call(ctx, "user.update", userGUID, raw); return err })
			if err != nil {
				die("%s: %v", contenders[i].name, err)
			}
			if round >= 0 {
				samples[i] = append(samples[i], ns...)
			}
		}
	}
	for _, c := range contenders {
		c.client.Close()
	}
	if want := int64((rounds + 1) * perRound); seen.Load() != want {
		die("the handler saw %d events, want %d", seen.Load(), want)
	}

	base := median(samples[0])
	fmt.Printf("%d rounds × %d calls per contender, interleaved\n\n", rounds, perRound)
	fmt.Println("| Go client | median µs/call | p90 µs | vs no handler | extra µs/call |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for i, c := range contenders {
		m := median(samples[i])
		fmt.Printf("| %s | %.1f | %.1f | %.3f× | %+.2f |\n", c.name, us(m), us(percentile(samples[i], 0.9)),
			float64(m)/float64(base), us(m-base))
	}
	fmt.Fprintln(os.Stderr, "events seen by the handler:", seen.Load())
}

func median(ns []int64) int64 { return percentile(ns, 0.5) }

func percentile(ns []int64, p float64) int64 {
	sorted := append([]int64(nil), ns...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a] < sorted[b] })
	return sorted[int(p*float64(len(sorted)-1))]
}

func us(ns int64) float64 { return float64(ns) / 1000 }
