package mxsso

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestClientUpdateUserTyped(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	id := emu.newUser(t)

	user, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if user.ExternalUserGUID != id || !strings.HasPrefix(user.GUID, "USR-") {
		t.Errorf("user ids = %q, %q; want external %q and a USR- guid", user.ExternalUserGUID, user.GUID, id)
	}
	if user.ClientGUID != emu.clientGUID || user.FirstName != "Julie" || user.ZipCode != "12345" {
		t.Errorf("user fields = %+v", user)
	}
	if user.Sex == nil || *user.Sex != 1 {
		t.Errorf("Sex = %v, want 1 (FEMALE as an integer)", user.Sex)
	}
	if user.Status.Code != 2 || user.Status.Name != "User update succeeded" {
		t.Errorf("Status = %+v, want MX's update status object", user.Status)
	}
	if user.LoginToken == "" || !strings.HasPrefix(user.MasterWidgetURL, "https://") {
		t.Errorf("login token / widget url missing: %+v", user)
	}
	if got := emu.user(t, id)["status"].(map[string]any)["name"]; got != "DISABLED" {
		t.Errorf("stored status = %v, want DISABLED", got)
	}

	// Several fields at once, by MX guid this time.
	score := int64(790)
	user, err = c.UpdateUser(emu.apiKey, emu.clientGUID, user.GUID, UserUpdate{
		FirstName: "Jules", Sex: SexMale, CreditScore: &score, ZipCode: "K1A 0B1", Status: StatusEnabled,
	})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if user.FirstName != "Jules" || user.Sex == nil || *user.Sex != 0 || user.CreditScore == nil ||
		*user.CreditScore != 790 || user.ZipCode != "K1A 0B1" {
		t.Errorf("updated user = %+v", user)
	}
}

func TestClientUpdateUserJSON(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	id := emu.newUser(t)

	raw, err := c.UpdateUserJSON(emu.apiKey, emu.clientGUID, id, []byte(`{"status": "DISABLED"}`))
	if err != nil {
		t.Fatalf("UpdateUserJSON: %v", err)
	}
	var answer map[string]any
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatalf("answer is not JSON: %v: %q", err, raw)
	}
	if answer["external_user_guid"] != id {
		t.Errorf("answer = %s", raw)
	}
}

func TestPackageLevelUpdateUser(t *testing.T) {
	emu := needEmulator(t) // the default client reads MX_SSO_BASE_URL, set by with-emulator
	id := emu.newUser(t)

	user, err := UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if user.ExternalUserGUID != id {
		t.Errorf("user = %+v", user)
	}
	raw, err := UpdateUserJSON(emu.apiKey, emu.clientGUID, id, []byte(`{"status":"ENABLED"}`))
	if err != nil || !strings.Contains(string(raw), id) {
		t.Fatalf("UpdateUserJSON = %q, %v", raw, err)
	}
	if got := emu.user(t, id)["status"].(map[string]any)["name"]; got != "ENABLED" {
		t.Errorf("stored status = %v, want ENABLED", got)
	}

	_, err = UpdateUser(emu.apiKey, emu.clientGUID, "no-such-user-pkg", UserUpdate{Status: StatusDisabled})
	if e := asError(t, err); e.Code != CodeHTTP || e.HTTPStatus != 400 {
		t.Errorf("unknown user through the default client: %#v", e)
	}
}

func TestValidationErrorSendsNothing(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	before := emu.requests(t)

	for _, tc := range []struct {
		name  string
		call  func() error
		field string
	}{
		{"bad status", func() error {
			_, err := c.UpdateUser(emu.apiKey, emu.clientGUID, "any-user", UserUpdate{Status: "PAUSED"})
			return err
		}, "status"},
		{"bad zip", func() error {
			_, err := c.UpdateUser(emu.apiKey, emu.clientGUID, "any-user", UserUpdate{ZipCode: "1234"})
			return err
		}, "zip_code"},
		{"empty update", func() error {
			_, err := c.UpdateUser(emu.apiKey, emu.clientGUID, "any-user", UserUpdate{})
			return err
		}, ""},
		{"typo in JSON", func() error {
			_, err := c.UpdateUserJSON(emu.apiKey, emu.clientGUID, "any-user", []byte(`{"stauts":"DISABLED"}`))
			return err
		}, "stauts"},
		{"package level", func() error {
			_, err := UpdateUser(emu.apiKey, emu.clientGUID, "any-user", UserUpdate{Sex: "male"})
			return err
		}, "sex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			e := asError(t, err)
			if e.Code != CodeValidation || !errors.Is(err, ErrValidation) || errors.Is(err, ErrHTTP) {
				t.Fatalf("got %#v, want a validation error", e)
			}
			if e.HTTPStatus != 0 || e.Attempts != 0 || e.Message == "" {
				t.Errorf("got %#v", e)
			}
			if !strings.Contains(e.Message, tc.field) {
				t.Errorf("message %q does not name %q", e.Message, tc.field)
			}
		})
	}
	if after := emu.requests(t); after != before {
		t.Errorf("emulator received %d requests for invalid updates, want 0", after-before)
	}
}

func TestUnknownUserIsHTTP400WithMXText(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)

	_, err := c.UpdateUser(emu.apiKey, emu.clientGUID, "no-such-user", UserUpdate{Status: StatusDisabled})
	e := asError(t, err)
	if e.Code != CodeHTTP || !errors.Is(err, ErrHTTP) {
		t.Fatalf("got %#v, want CodeHTTP", e)
	}
	if e.HTTPStatus != 400 || e.MXError != "User with guid no-such-user not found." || e.Attempts != 1 {
		t.Errorf("got %#v", e)
	}
	if !strings.Contains(err.Error(), "not found") {
		t.Errorf("Error() = %q does not carry MX's text", err)
	}
	var target *Error
	if !errors.As(fmt.Errorf("wrapped: %w", err), &target) || target.HTTPStatus != 400 {
		t.Errorf("errors.As through a wrapper failed")
	}
}

func TestRetriesFollowMaxRetries(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)

	// Two 503s then success: the default two retries are enough.
	c := emu.newTestClient(t)
	emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 2})
	before := emu.requests(t)
	if _, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled}); err != nil {
		t.Fatalf("UpdateUser after two 503s: %v", err)
	}
	if n := emu.requests(t) - before; n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}

	// With retries off the first 503 is the answer.
	noRetry := emu.newTestClient(t, WithMaxRetries(0))
	emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 2})
	_, err := noRetry.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled})
	e := asError(t, err)
	if e.Code != CodeHTTP || e.HTTPStatus != 503 || e.Attempts != 1 {
		t.Errorf("got %#v, want one 503", e)
	}
}

func TestTimeout(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithTimeout(200*time.Millisecond), WithMaxRetries(0))
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 1500})

	start := time.Now()
	_, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled})
	elapsed := time.Since(start)
	e := asError(t, err)
	if e.Code != CodeTimeout || !errors.Is(err, ErrTimeout) || e.HTTPStatus != 0 {
		t.Fatalf("got %#v, want a timeout", e)
	}
	if elapsed > time.Second {
		t.Errorf("the call took %v with a 200ms timeout", elapsed)
	}
}

func TestTransportErrors(t *testing.T) {
	emu := needEmulator(t)

	t.Run("closed port", func(t *testing.T) {
		c, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithMaxRetries(0), WithTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.UpdateUser(emu.apiKey, emu.clientGUID, "any-user", UserUpdate{Status: StatusDisabled})
		e := asError(t, err)
		if e.Code != CodeTransport || !errors.Is(err, ErrTransport) || e.HTTPStatus != 0 {
			t.Errorf("got %#v, want a transport error", e)
		}
	})

	t.Run("wrong API key", func(t *testing.T) {
		c := emu.newTestClient(t, WithMaxRetries(0))
		_, err := c.UpdateUser("wrong-key", emu.clientGUID, emu.newUser(t), UserUpdate{Status: StatusDisabled})
		e := asError(t, err)
		if e.Code != CodeTransport || e.HTTPStatus != 0 {
			t.Fatalf("got %#v, want a transport error", e)
		}
		if !strings.Contains(strings.ToLower(e.Message), "key") {
			t.Errorf("message %q does not mention the API key as a likely cause", e.Message)
		}
	})
}

func TestResponseErrors(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithMaxResponseBytes(4096))
	id := emu.newUser(t)

	t.Run("not JSON", func(t *testing.T) {
		emu.injectFaults(t, map[string]any{"kind": "response", "status": 200, "content_type": "text/html", "body": "<html>maintenance</html>"})
		_, err := c.UpdateUserJSON(emu.apiKey, emu.clientGUID, id, []byte(`{"status":"DISABLED"}`))
		e := asError(t, err)
		if e.Code != CodeResponse || !errors.Is(err, ErrResponse) || e.HTTPStatus != 200 {
			t.Errorf("got %#v, want a response error", e)
		}
	})

	t.Run("too large", func(t *testing.T) {
		emu.injectFaults(t, map[string]any{"kind": "large_body", "bytes": 1 << 20})
		_, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled})
		if e := asError(t, err); e.Code != CodeResponse {
			t.Errorf("got %#v, want a response error", e)
		}
	})

	t.Run("JSON but not a user", func(t *testing.T) {
		emu.injectFaults(t, map[string]any{"kind": "response", "status": 200, "content_type": "application/json", "body": `{"sex": "unexpected"}`})
		_, err := c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled})
		e := asError(t, err)
		if e.Code != CodeResponse || !strings.Contains(e.Message, "UpdateUserJSON") {
			t.Errorf("got %#v, want a response error pointing at UpdateUserJSON", e)
		}
	})
}

func TestInvalidArguments(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	before := emu.requests(t)

	for _, tc := range []struct {
		name              string
		key, client, user string
		body              string
		wantInMessage     string
		notInMessage      string
	}{
		{"NUL in api key", "sk-live-\x00secret", emu.clientGUID, "u", `{"status":"DISABLED"}`, "api_key", "sk-live"},
		{"NUL in client guid", emu.apiKey, "CLT-\x00", "u", `{"status":"DISABLED"}`, "client_guid", ""},
		{"NUL in user guid", emu.apiKey, emu.clientGUID, "user\x00../admin", `{"status":"DISABLED"}`, "user_guid", "admin"},
		{"NUL in body", emu.apiKey, emu.clientGUID, "u", "{\"status\":\"DISABLED\"}\x00{}", "json_body", ""},
		{"empty user guid", emu.apiKey, emu.clientGUID, "", `{"status":"DISABLED"}`, "user_guid", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, call := range []func() ([]byte, error){
				func() ([]byte, error) { return c.UpdateUserJSON(tc.key, tc.client, tc.user, []byte(tc.body)) },
				func() ([]byte, error) { return UpdateUserJSON(tc.key, tc.client, tc.user, []byte(tc.body)) },
			} {
				_, err := call()
				e := asError(t, err)
				if e.Code != CodeInvalidArgument && e.Code != CodeValidation {
					t.Fatalf("got %#v, want an invalid argument or validation error", e)
				}
				if strings.Contains(tc.name, "NUL") && !errors.Is(err, ErrInvalidArgument) {
					t.Errorf("NUL byte: got %#v, want ErrInvalidArgument", e)
				}
				if !strings.Contains(e.Message, tc.wantInMessage) {
					t.Errorf("message %q does not name %s", e.Message, tc.wantInMessage)
				}
				if tc.notInMessage != "" && strings.Contains(e.Message, tc.notInMessage) {
					t.Errorf("message %q repeats the value", e.Message)
				}
			}
		})
	}
	if after := emu.requests(t); after != before {
		t.Errorf("emulator received %d requests for invalid arguments, want 0", after-before)
	}
}

func TestBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []Option
		option string
	}{
		{"unsupported scheme", []Option{WithBaseURL("ftp://example.com")}, "base_url"},
		{"plain http to a remote host", []Option{WithBaseURL("http://example.com")}, "allow_insecure_http"},
		{"missing CA file", []Option{WithCAFile("/nonexistent/ca.pem")}, "ca_file"},
		{"NUL in base URL", []Option{WithBaseURL("http://127.0.0.1\x00:1")}, "base_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.opts...)
			if c != nil {
				c.Close()
			}
			e := asError(t, err)
			if e.Code != CodeInvalidArgument || !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("got %#v, want an invalid argument error", e)
			}
			if !strings.Contains(e.Message, tc.option) {
				t.Errorf("message %q does not name %s", e.Message, tc.option)
			}
		})
	}
}

// A value of the wrong type (a negative duration or count) is refused by the library with a
// message that names the option.
func TestBadOptionTypes(t *testing.T) {
	for _, tc := range []struct {
		opt    Option
		option string
	}{
		{WithTimeout(-time.Second), "timeout_ms"},
		{WithConnectTimeout(-time.Second), "connect_timeout_ms"},
		{WithMaxRetries(-1), "max_retries"},
		{WithMaxResponseBytes(-1), "max_response_bytes"},
	} {
		c, err := NewClient(tc.opt)
		if c != nil {
			c.Close()
		}
		if e := asError(t, err); e.Code != CodeInvalidArgument {
			t.Errorf("%s: got %#v, want an invalid argument error", tc.option, e)
		} else if !strings.Contains(e.Message, "`"+tc.option+"`") {
			t.Errorf("%s: message %q does not name the option", tc.option, e.Message)
		}
	}
}

func TestOptionsReachTheLibrary(t *testing.T) {
	emu := needEmulator(t)
	id := emu.newUser(t)

	// Plain http to a remote host is allowed with allow_insecure_http (no connection yet).
	c, err := NewClient(WithBaseURL("http://example.com"), WithAllowInsecureHTTP(true),
		WithConnectTimeout(time.Second), WithProxy(""), WithUserAgent("mxsso-go-test/1"))
	if err != nil {
		t.Fatalf("NewClient with allow_insecure_http: %v", err)
	}
	c.Close()

	// strict_fields off: the typo reaches the server, which refuses it.
	lax := emu.newTestClient(t, WithStrictFields(false))
	_, err = lax.UpdateUserJSON(emu.apiKey, emu.clientGUID, id, []byte(`{"stauts":"DISABLED"}`))
	e := asError(t, err)
	if e.Code != CodeHTTP || e.HTTPStatus != 400 || !strings.Contains(e.MXError, "stauts") {
		t.Errorf("got %#v, want the server's 400 about stauts", e)
	}
}

func TestClosedClient(t *testing.T) {
	emu := needEmulator(t)
	c, err := NewClient(WithBaseURL(emu.baseURL))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := c.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	_, err = c.UpdateUser(emu.apiKey, emu.clientGUID, "any-user", UserUpdate{Status: StatusDisabled})
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("call after Close = %v, want ErrClosed and ErrInvalidArgument", err)
	}
}

func TestAPIKeyAppearsInNoErrorText(t *testing.T) {
	emu := needEmulator(t)
	const secret = "sk-live-RECOGNISABLE-7f3a91c2"
	c := emu.newTestClient(t, WithMaxRetries(0))
	closedPort, err := NewClient(WithBaseURL("http://127.0.0.1:1"), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer closedPort.Close()
	id := emu.newUser(t)

	var errs []error
	collect := func(_ any, err error) { errs = append(errs, err) }
	collect(c.UpdateUser(secret, emu.clientGUID, id, UserUpdate{Status: StatusDisabled}))        // wrong key: transport
	collect(c.UpdateUser(secret, emu.clientGUID, id, UserUpdate{Status: "nope"}))                // validation
	collect(c.UpdateUser(secret, emu.clientGUID, id+"\x00", UserUpdate{Status: StatusDisabled})) // NUL byte
	collect(closedPort.UpdateUser(secret, emu.clientGUID, id, UserUpdate{Status: StatusDisabled}))
	collect(UpdateUser(secret, "", id, UserUpdate{Status: StatusDisabled}))
	// The emulator's real key, on failures that reached the server.
	collect(c.UpdateUser(emu.apiKey, emu.clientGUID, "no-such-user", UserUpdate{Status: StatusDisabled}))
	emu.injectFaults(t, map[string]any{"kind": "response", "status": 200, "body": "not json"})
	collect(c.UpdateUser(emu.apiKey, emu.clientGUID, id, UserUpdate{Status: StatusDisabled}))

	for i, err := range errs {
		if err == nil {
			t.Fatalf("call %d succeeded, want an error", i)
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(text, secret) || strings.Contains(text, emu.apiKey) {
				t.Errorf("error %d shows the API key: %s", i, text)
			}
		}
	}
}
