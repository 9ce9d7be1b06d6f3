package mxsso

// Helpers for tests against mx-sso-emulator, started by scripts/with-emulator, which exports
// MX_SSO_BASE_URL, MX_SSO_EMULATOR_URL, MX_SSO_API_KEY and MX_SSO_CLIENT_GUID. Without them the
// emulator tests are skipped (bindings/go/Makefile refuses to run without them).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// emulator is the running emulator and the credentials it accepts.
type emulator struct {
	baseURL    string // user resource (MX_SSO_BASE_URL)
	controlURL string // control endpoint root (MX_SSO_EMULATOR_URL)
	apiKey     string
	clientGUID string
}

// needEmulator returns the emulator from the environment, or skips the test.
func needEmulator(t testing.TB) *emulator {
	t.Helper()
	e := &emulator{
		baseURL:    os.Getenv("MX_SSO_BASE_URL"),
		controlURL: os.Getenv("MX_SSO_EMULATOR_URL"),
		apiKey:     os.Getenv("MX_SSO_API_KEY"),
		clientGUID: os.Getenv("MX_SSO_CLIENT_GUID"),
	}
	if e.baseURL == "" || e.controlURL == "" || e.apiKey == "" || e.clientGUID == "" {
		t.Skip("no emulator: run through scripts/with-emulator (make -C bindings/go test does)")
	}
	return e
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// do sends a request to the emulator and decodes its JSON answer into out (when not nil).
func (e *emulator) do(t testing.TB, method, rawURL string, body any, out any) int {
	t.Helper()
	var reader io.Reader
	if body != nil {
		text, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(text)
	}
	req, err := http.NewRequest(method, rawURL, reader)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, redactKey(rawURL), err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(answer) > 0 {
		if err := json.Unmarshal(answer, out); err != nil {
			t.Fatalf("%s %s: %v in %q", method, redactKey(rawURL), err, answer)
		}
	}
	return resp.StatusCode
}

// redactKey hides the query (and so the API key) of a URL in test failure messages.
func redactKey(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(url)"
	}
	u.RawQuery = ""
	return u.String()
}

var userCounter atomic.Int64

// newUser creates a user with MX's POST /user and returns its external_user_guid.
func (e *emulator) newUser(t testing.TB) string {
	t.Helper()
	external := fmt.Sprintf("go-%s-%d-%d", t.Name(), time.Now().UnixNano(), userCounter.Add(1))
	q := url.Values{"k": {e.apiKey}, "c": {e.clientGUID}}
	status := e.do(t, http.MethodPost, e.baseURL+"/user?"+q.Encode(), map[string]any{
		"external_user_guid": external,
		"email":              "julie.west@example.com",
		"first_name":         "Julie",
		"sex":                "FEMALE",
		"zip_code":           "12345",
	}, nil)
	if status != http.StatusOK {
		t.Fatalf("creating user %s: HTTP %d", external, status)
	}
	return external
}

// user returns a user as the emulator's control endpoint shows it (the read shape).
func (e *emulator) user(t testing.TB, id string) map[string]any {
	t.Helper()
	var user map[string]any
	if status := e.do(t, http.MethodGet, e.controlURL+"/_emulator/users/"+url.PathEscape(id), nil, &user); status != http.StatusOK {
		t.Fatalf("reading user %s: HTTP %d", id, status)
	}
	return user
}

// requests is the number of user-resource requests the emulator has received.
func (e *emulator) requests(t testing.TB) int {
	t.Helper()
	var stats struct {
		Requests int `json:"requests"`
	}
	e.do(t, http.MethodGet, e.controlURL+"/_emulator/stats", nil, &stats)
	return stats.Requests
}

// injectFaults queues faults for the next user requests and clears the queue when the test
// ends. Tests that use it must not run in parallel.
func (e *emulator) injectFaults(t testing.TB, faults ...map[string]any) {
	t.Helper()
	t.Cleanup(func() { e.do(t, http.MethodDelete, e.controlURL+"/_emulator/faults", nil, nil) })
	if status := e.do(t, http.MethodPost, e.controlURL+"/_emulator/faults", faults, nil); status != http.StatusOK {
		t.Fatalf("injecting faults: HTTP %d", status)
	}
}

// newTestClient creates a client for the emulator with the given extra options, closed when
// the test ends.
func (e *emulator) newTestClient(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(append([]Option{WithBaseURL(e.baseURL), WithTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// asError returns err as an *Error, failing the test when it is not one.
func asError(t testing.TB, err error) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("expected *mxsso.Error, got %T: %v", err, err)
	}
	return e
}
