package mxsso

// Helpers for tests against mx-sso-emulator, started by scripts/with-emulator, which exports
// MX_SSO_BASE_URL, MX_SSO_EMULATOR_URL, MX_SSO_API_KEY and MX_SSO_CLIENT_GUID. Without them the
// emulator tests are skipped (bindings/go/Makefile refuses to run without them). Users and
// members are seeded through the control endpoint, which the request counts leave out.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// emulator is the running emulator and the credentials it accepts.
type emulator struct {
	baseURL    string // user and member resources (MX_SSO_BASE_URL)
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

// do sends a request to the control endpoint and decodes its JSON answer into out (when not
// nil).
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
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(answer) > 0 {
		if err := json.Unmarshal(answer, out); err != nil {
			t.Fatalf("%s %s: %v in %q", method, rawURL, err, answer)
		}
	}
	return resp.StatusCode
}

var idCounter atomic.Int64

// uniqueID gives an id no other test uses: prefix, the test's name, the time and a counter.
func uniqueID(t testing.TB, prefix string) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return fmt.Sprintf("%s-%s-%d-%d", prefix, name, time.Now().UnixNano(), idCounter.Add(1))
}

// newUser seeds a user (Julie, FEMALE, 12345) and returns its external_user_guid.
func (e *emulator) newUser(t testing.TB) string {
	t.Helper()
	external := uniqueID(t, "go-user")
	status := e.do(t, http.MethodPost, e.controlURL+"/_emulator/users", map[string]any{
		"external_user_guid": external,
		"email":              "julie.west@example.com",
		"first_name":         "Julie",
		"sex":                "FEMALE",
		"zip_code":           "12345",
	}, nil)
	if status != http.StatusOK {
		t.Fatalf("seeding user %s: HTTP %d", external, status)
	}
	return external
}

// newMember seeds a member of the user with a userkey credential and returns its
// external_member_guid.
func (e *emulator) newMember(t testing.TB, externalUser string) string {
	t.Helper()
	external := uniqueID(t, "go-member")
	status := e.do(t, http.MethodPost, e.controlURL+"/_emulator/members", map[string]any{
		"external_user_guid":   externalUser,
		"external_member_guid": external,
		"credentials":          []map[string]string{{"field_name": "userkey", "response": "seeded-userkey"}},
	}, nil)
	if status != http.StatusOK {
		t.Fatalf("seeding member %s: HTTP %d", external, status)
	}
	return external
}

// user returns a user as the control endpoint shows it (the read shape), or nil when the
// emulator has no such user.
func (e *emulator) user(t testing.TB, id string) map[string]any {
	t.Helper()
	var user map[string]any
	switch status := e.do(t, http.MethodGet, e.controlURL+"/_emulator/users/"+url.PathEscape(id), nil, &user); status {
	case http.StatusOK:
		return user
	case http.StatusNotFound:
		return nil
	default:
		t.Fatalf("reading user %s: HTTP %d", id, status)
		return nil
	}
}

// userStatus is the stored status name of a user ("ENABLED" or "DISABLED").
func (e *emulator) userStatus(t testing.TB, id string) string {
	t.Helper()
	user := e.user(t, id)
	if user == nil {
		t.Fatalf("user %s does not exist", id)
	}
	name, _ := user["status"].(map[string]any)["name"].(string)
	return name
}

// member returns a member as the control endpoint shows it, or nil when there is none.
func (e *emulator) member(t testing.TB, id string) map[string]any {
	t.Helper()
	var member map[string]any
	switch status := e.do(t, http.MethodGet, e.controlURL+"/_emulator/members/"+url.PathEscape(id), nil, &member); status {
	case http.StatusOK:
		return member
	case http.StatusNotFound:
		return nil
	default:
		t.Fatalf("reading member %s: HTTP %d", id, status)
		return nil
	}
}

// requests is the number of API requests (users and members) the emulator has received.
func (e *emulator) requests(t testing.TB) int {
	t.Helper()
	var stats struct {
		Requests int `json:"requests"`
	}
	e.do(t, http.MethodGet, e.controlURL+"/_emulator/stats", nil, &stats)
	return stats.Requests
}

// expectNothingSent fails the test if the emulator receives a request between now and the
// end of the test.
func (e *emulator) expectNothingSent(t *testing.T) {
	t.Helper()
	before := e.requests(t)
	t.Cleanup(func() {
		if after := e.requests(t); after != before {
			t.Errorf("the emulator received %d request(s); want none", after-before)
		}
	})
}

// logged is one entry of the emulator's request log.
type logged struct {
	Method  string `json:"method"`
	Path    string `json:"path"`
	Query   string `json:"query"`
	Status  *int   `json:"status"`
	Outcome string `json:"outcome"`
}

// clearLog empties the emulator's request log, so that requestLog shows this test's requests.
func (e *emulator) clearLog(t testing.TB) {
	t.Helper()
	e.do(t, http.MethodDelete, e.controlURL+"/_emulator/log", nil, nil)
}

// requestLog is the emulator's request log since the last clearLog, oldest first.
func (e *emulator) requestLog(t testing.TB) []logged {
	t.Helper()
	var entries []logged
	e.do(t, http.MethodGet, e.controlURL+"/_emulator/log", nil, &entries)
	return entries
}

// count is the number of logged requests with that method and path (as sent), and with that
// outcome when outcome is not "".
func count(entries []logged, method, path, outcome string) int {
	n := 0
	for _, entry := range entries {
		if entry.Method == method && entry.Path == path && (outcome == "" || entry.Outcome == outcome) {
			n++
		}
	}
	return n
}

// injectFaults queues faults for the next API requests and clears the queue when the test
// ends. Tests that use it must not run in parallel.
func (e *emulator) injectFaults(t testing.TB, faults ...map[string]any) {
	t.Helper()
	t.Cleanup(func() { e.do(t, http.MethodDelete, e.controlURL+"/_emulator/faults", nil, nil) })
	if status := e.do(t, http.MethodPost, e.controlURL+"/_emulator/faults", faults, nil); status != http.StatusOK {
		t.Fatalf("injecting faults: HTTP %d", status)
	}
}

// newTestClient creates a client for the emulator (credentials from the environment) with the
// given extra options, closed when the test ends.
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

// wantError checks that err is an *Error with that code and HTTP status, and that its
// message and MX text hold the given fragments.
func wantError(t testing.TB, err error, code StatusCode, httpStatus int, fragments ...string) *Error {
	t.Helper()
	e := asError(t, err)
	if e.Code != code || e.HTTPStatus != httpStatus {
		t.Fatalf("got %s/%d %q (MX: %q); want %s/%d", e.Code.Name(), e.HTTPStatus, e.Message, e.MXError, code.Name(), httpStatus)
	}
	for _, fragment := range fragments {
		if !strings.Contains(e.Message, fragment) && !strings.Contains(e.MXError, fragment) {
			t.Errorf("error %q (MX: %q) does not say %q", e.Message, e.MXError, fragment)
		}
	}
	return e
}
