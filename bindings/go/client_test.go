package mxsso

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// The credentials come from WithCredentials, else from the environment; a client without
// them fails each call saying how to set them, with nothing sent.
func TestCredentials(t *testing.T) {
	emu := needEmulator(t)
	ctx := context.Background()
	id := emu.newUser(t)

	explicit := emu.newTestClient(t, WithCredentials(emu.apiKey, emu.clientGUID))
	if _, err := explicit.ReadUser(ctx, id); err != nil {
		t.Errorf("WithCredentials: %v", err)
	}
	fromEnv := emu.newTestClient(t) // MX_SSO_API_KEY and MX_SSO_CLIENT_GUID
	if _, err := fromEnv.ReadUser(ctx, id); err != nil {
		t.Errorf("credentials from the environment: %v", err)
	}

	t.Setenv("MX_SSO_API_KEY", "")
	t.Setenv("MX_SSO_CLIENT_GUID", "")
	none := emu.newTestClient(t)
	emu.expectNothingSent(t)
	_, err := none.ReadUser(ctx, id)
	wantError(t, err, CodeInvalidArgument, 0, "api_key", "MX_SSO_API_KEY")
}

func TestBaseURLDefaultsToTheEnvironment(t *testing.T) {
	// As for the default client: credentials from the environment go to its host, never to
	// MX's production host by default.
	emu := needEmulator(t)
	id := emu.newUser(t)
	t.Setenv("MX_SSO_BASE_URL", emu.baseURL)
	c, err := NewClient()
	if err != nil {
		t.Fatalf("NewClient with MX_SSO_BASE_URL: %v", err)
	}
	defer c.Close()
	if _, err := c.ReadUser(context.Background(), id); err != nil {
		t.Errorf("base URL from the environment: %v", err)
	}
	t.Setenv("MX_SSO_BASE_URL", "ftp://not-a-base-url")
	if bad, err := NewClient(); bad != nil || !errors.Is(err, ErrInvalidArgument) ||
		!strings.Contains(err.Error(), "base_url") {
		t.Errorf("a bad MX_SSO_BASE_URL: client %v, error %v", bad, err)
	}
}

func TestBadCredentialsAreRefusedByNewClient(t *testing.T) {
	for _, tc := range []struct {
		key, client, option string
	}{
		{"", "CLT-1", "api_key"},
		{"key", "", "client_guid"},
		{"key\n", "CLT-1", "api_key"},
		{strings.Repeat("k", 1025), "CLT-1", "api_key"},
	} {
		c, err := NewClient(WithCredentials(tc.key, tc.client))
		if c != nil {
			c.Close()
		}
		wantError(t, err, CodeInvalidArgument, 0, tc.option)
	}
}

func TestRetriesFollowMaxRetries(t *testing.T) {
	emu := needEmulator(t)
	ctx := context.Background()
	id := emu.newUser(t)

	// Two 503s then success: the default two retries are enough.
	c := emu.newTestClient(t)
	emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 2})
	before := emu.requests(t)
	if _, err := c.UpdateUser(ctx, id, UserUpdate{Status: StatusDisabled}); err != nil {
		t.Fatalf("UpdateUser after two 503s: %v", err)
	}
	if n := emu.requests(t) - before; n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}

	// With retries off the first 503 is the answer.
	noRetry := emu.newTestClient(t, WithMaxRetries(0))
	emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 2})
	_, err := noRetry.UpdateUser(ctx, id, UserUpdate{Status: StatusDisabled})
	e := wantError(t, err, CodeHTTP, 503)
	if e.Attempts != 1 || e.MXError != "Service Temporarily Unavailable." {
		t.Errorf("got %#v, want one 503 with MX's text", e)
	}
}

func TestTimeout(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithTimeout(200*time.Millisecond), WithMaxRetries(0))
	id := emu.newUser(t)
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 1500})

	_, err := c.UpdateUser(context.Background(), id, UserUpdate{Status: StatusDisabled})
	wantError(t, err, CodeTimeout, 0)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("errors.Is(err, ErrTimeout) is false for %v", err)
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
		_, err = c.ReadUser(context.Background(), "any-user")
		wantError(t, err, CodeTransport, 0)
		if !errors.Is(err, ErrTransport) {
			t.Errorf("errors.Is(err, ErrTransport) is false")
		}
	})

	t.Run("wrong API key", func(t *testing.T) {
		c := emu.newTestClient(t, WithMaxRetries(0), WithCredentials("wrong-key", emu.clientGUID))
		_, err := c.UpdateUser(context.Background(), emu.newUser(t), UserUpdate{Status: StatusDisabled})
		e := wantError(t, err, CodeTransport, 0)
		if !strings.Contains(strings.ToLower(e.Message), "key") {
			t.Errorf("message %q does not mention the API key as a likely cause", e.Message)
		}
	})
}

func TestResponseErrors(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithMaxResponseBytes(4096))
	ctx := context.Background()
	id := emu.newUser(t)

	t.Run("not JSON", func(t *testing.T) {
		emu.injectFaults(t, map[string]any{"kind": "response", "status": 200, "content_type": "text/html", "body": "<html>maintenance</html>"})
		_, err := c.Call(ctx, "user.update", id, []byte(`{"status":"DISABLED"}`))
		wantError(t, err, CodeResponse, 200)
		if !errors.Is(err, ErrResponse) {
			t.Errorf("errors.Is(err, ErrResponse) is false")
		}
	})

	t.Run("too large", func(t *testing.T) {
		emu.injectFaults(t, map[string]any{"kind": "large_body", "bytes": 1 << 20})
		_, err := c.ReadUser(ctx, id)
		wantError(t, err, CodeResponse, 200)
	})

	t.Run("JSON but not a user", func(t *testing.T) {
		emu.injectFaults(t, map[string]any{"kind": "response", "status": 200, "content_type": "application/json", "body": `{"sex": "unexpected"}`})
		_, err := c.UpdateUser(ctx, id, UserUpdate{Status: StatusDisabled})
		wantError(t, err, CodeResponse, 0, "mxsso.User", "Call returns the answer")
	})

	t.Run("ensure answer without the user", func(t *testing.T) {
		_, _, err := ensured[User]([]byte(`{"created": true}`), nil)
		wantError(t, err, CodeResponse, 0, "created")
	})
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
		{"negative timeout", []Option{WithTimeout(-time.Second)}, "`timeout_ms`"},
		{"negative connect timeout", []Option{WithConnectTimeout(-time.Second)}, "`connect_timeout_ms`"},
		{"negative retries", []Option{WithMaxRetries(-1)}, "`max_retries`"},
		{"negative response size", []Option{WithMaxResponseBytes(-1)}, "`max_response_bytes`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewClient(tc.opts...)
			if c != nil {
				c.Close()
			}
			wantError(t, err, CodeInvalidArgument, 0, tc.option)
			if !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("errors.Is(err, ErrInvalidArgument) is false")
			}
		})
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
	_, err = lax.Call(context.Background(), "user.update", id, []byte(`{"stauts":"DISABLED"}`))
	e := wantError(t, err, CodeHTTP, 400)
	if !strings.Contains(e.MXError, "stauts") {
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
	emu.expectNothingSent(t)
	_, err = c.UpdateUser(context.Background(), "any-user", UserUpdate{Status: StatusDisabled})
	if !errors.Is(err, ErrClosed) || !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("call after Close = %v, want ErrClosed and ErrInvalidArgument", err)
	}
	if err := c.DeleteMember(context.Background(), "m"); !errors.Is(err, ErrClosed) {
		t.Errorf("DeleteMember after Close = %v", err)
	}
}
