package mxsso

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// logRecord is one line of slog's JSON handler.
type logRecord struct {
	Level      string  `json:"level"`
	Msg        string  `json:"msg"`
	Call       string  `json:"call"`
	Op         string  `json:"op"`
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Attempt    int     `json:"attempt"`
	Outcome    string  `json:"outcome"`
	HTTPStatus int     `json:"http_status"`
	ElapsedUS  *int64  `json:"elapsed_us"`
	RetryInMS  *int64  `json:"retry_in_ms"`
	Message    string  `json:"message"`
	TS         *string `json:"ts"`
}

// loggingClient is a test client whose events go to a JSON slog logger at DEBUG.
func loggingClient(t *testing.T, emu *emulator, opts ...Option) (*Client, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return emu.newTestClient(t, append(opts, WithLogger(logger))...), &out
}

func records(t *testing.T, out *bytes.Buffer) []logRecord {
	t.Helper()
	var all []logRecord
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		all = append(all, r)
	}
	out.Reset()
	return all
}

func levels(rs []logRecord) string {
	var ls []string
	for _, r := range rs {
		ls = append(ls, r.Level+" "+r.Op+" "+r.Outcome)
	}
	return strings.Join(ls, ", ")
}

// DEBUG for a success, WARN for an attempt that announces a retry, INFO for a failed attempt
// followed by another request of the call without a retry (ensure's next step, a read-back),
// ERROR for the failed last attempt of a call; one attribute per event key.
func TestLoggerLevels(t *testing.T) {
	emu := needEmulator(t)
	c, out := loggingClient(t, emu)
	ctx := context.Background()
	id := emu.newUser(t)

	emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 1})
	if _, err := c.ReadUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	rs := records(t, out)
	if got := levels(rs); got != "WARN user.read MX_ERR_HTTP, DEBUG user.read MX_OK" {
		t.Errorf("503 then 200: %s", got)
	}
	if r := rs[0]; r.Msg != "mx-sso attempt" || r.Call != "user.read" || r.Method != "GET" || r.Path != "/user/"+id ||
		r.Attempt != 1 || r.HTTPStatus != 503 || r.RetryInMS == nil || r.Message == "" || r.ElapsedUS == nil || r.TS == nil {
		t.Errorf("retried attempt's record = %+v", r)
	}

	_, err := c.ReadUser(ctx, "no-such-user-log")
	wantError(t, err, CodeHTTP, 400)
	if got := levels(records(t, out)); got != "ERROR user.read MX_ERR_HTTP" {
		t.Errorf("unknown user: %s", got)
	}

	// Ensure's "not found" read is followed by the create: INFO, not an ERROR.
	if _, _, err := c.EnsureUser(ctx, NewUser{ExternalUserGUID: uniqueID(t, "go-log-ensure")}); err != nil {
		t.Fatal(err)
	}
	if got := levels(records(t, out)); got != "INFO user.read MX_ERR_HTTP, DEBUG user.create MX_OK" {
		t.Errorf("ensure creating: %s", got)
	}

	// A lost create (no answer, no retry announced) followed by its read-back: INFO.
	emu.injectFaults(t, map[string]any{"kind": "process_then_close", "method": "POST", "path": "/user"})
	if _, err := c.CreateUser(ctx, NewUser{ExternalUserGUID: uniqueID(t, "go-log-rb")}); err != nil {
		t.Fatal(err)
	}
	if got := levels(records(t, out)); got != "INFO user.create MX_ERR_TRANSPORT, DEBUG user.read MX_OK" {
		t.Errorf("read-back: %s", got)
	}

	// Creates answered 502 (outcome unknown: read back, then created again): each level follows
	// from the event and whether the call went on, whatever the HTTP status.
	emu.injectFaults(t, map[string]any{"kind": "status", "status": 502, "method": "POST", "path": "/user", "count": 2})
	if _, err := c.CreateUser(ctx, NewUser{ExternalUserGUID: uniqueID(t, "go-log-502")}); err != nil {
		t.Fatal(err)
	}
	rs = records(t, out)
	if len(rs) < 3 || rs[0].HTTPStatus != 502 {
		t.Errorf("creates answered 502: %s", levels(rs))
	}
	for i, r := range rs {
		want := "INFO" // failed, no retry announced, and the call went on
		switch {
		case r.Outcome == "MX_OK":
			want = "DEBUG"
		case r.RetryInMS != nil:
			want = "WARN"
		case i == len(rs)-1:
			want = "ERROR"
		}
		if r.Level != want {
			t.Errorf("creates answered 502, record %d: %s (%d, retry_in_ms %v); want %s", i, r.Level, r.HTTPStatus, r.RetryInMS, want)
		}
	}

	// A call refused before sending.
	_, err = c.UpdateUser(ctx, id, UserUpdate{})
	wantError(t, err, CodeValidation, 0)
	rs = records(t, out)
	if got := levels(rs); got != "ERROR user.update MX_ERR_VALIDATION" || rs[0].Attempt != 0 {
		t.Errorf("refused call: %s %+v", got, rs)
	}
}

// A logger above DEBUG drops successes; a handler set beside the logger gets every event too.
func TestLoggerWithHandlerAndLevel(t *testing.T) {
	emu := needEmulator(t)
	var out bytes.Buffer
	c := emu.newTestClient(t, WithLogger(slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	rec := &recorder{}
	c.SetEventHandler(rec.handle)
	id := emu.newUser(t)

	for i := 0; i < 3; i++ {
		if _, err := c.ReadUser(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if out.Len() != 0 {
		t.Errorf("successes logged above DEBUG: %s", out.String())
	}
	if n := len(rec.take()); n != 3 {
		t.Errorf("handler got %d events, want 3", n)
	}
	c.SetEventHandler(nil) // the logger stays
	_, _ = c.ReadUser(context.Background(), "no-such-user-log2")
	if !strings.Contains(out.String(), `"level":"ERROR"`) {
		t.Errorf("the logger stopped with the handler: %q", out.String())
	}
}
