package mxsso

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	secretKey        = "sk-live-RECOGNISABLE-7f3a91c2"
	secretCredential = "cred-RECOGNISABLE-5b2e8d10"
)

// Every failure path, run with a recognisable API key and credential value: neither appears
// in an error (any verb), an event, a log line, the counters or the emulator's request log.
// Successful reads add the user's login token and widget URLs to what must not appear.
func TestSecretsAppearNowhere(t *testing.T) {
	emu := needEmulator(t)
	ctx := context.Background()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var mu sync.Mutex
	var outputs []string // every text produced
	keep := func(text string) {
		mu.Lock()
		defer mu.Unlock()
		outputs = append(outputs, text)
	}
	onEvent := func(e Event) {
		text, _ := json.Marshal(e)
		keep(fmt.Sprintf("%v %+v %s", e, e, text))
	}
	newClient := func(opts ...Option) *Client {
		c := emu.newTestClient(t, append(opts, WithLogger(logger), WithMaxRetries(1), WithTimeout(2*time.Second))...)
		c.SetEventHandler(onEvent)
		return c
	}
	wrongKey := newClient(WithCredentials(secretKey, emu.clientGUID))
	good := newClient()
	lenient := newClient(WithStrictFields(false))
	userID := emu.newUser(t)
	memberID := emu.newMember(t, userID)
	creds := userkey(secretCredential)
	loginPair := []Credential{{"login", secretCredential}, {"password", secretCredential}}

	var errs []error
	collect := func(_ any, err error) { errs = append(errs, err) }
	collect(wrongKey.ReadUser(ctx, userID))                                                      // no answer: transport
	collect(wrongKey.CreateMember(ctx, NewMember{ExternalUserGUID: userID, Credentials: creds})) // no answer, key and credential
	collect2 := func(_ any, _ bool, err error) { collect(nil, err) }
	collect2(wrongKey.EnsureMember(ctx, NewMember{ExternalUserGUID: userID, ExternalMemberGUID: "m-x", Credentials: creds}))
	collect(good.CreateMember(ctx, NewMember{ExternalUserGUID: userID, Credentials: []Credential{{"login", secretCredential}}}))
	collect(good.CreateMember(ctx, NewMember{ExternalUserGUID: userID, Credentials: append(creds, loginPair...)}))
	collect(good.CreateMember(ctx, NewMember{ExternalUserGUID: "no-such-user-s", Credentials: creds}))
	collect(good.UpdateMember(ctx, "no-such-member-s", loginPair))
	collect(good.UpdateMember(ctx, memberID, []Credential{{"pin", secretCredential}}))
	collect(lenient.UpdateMember(ctx, memberID, []Credential{{"pin", secretCredential}})) // sent; MX refuses
	collect(good.Call(ctx, "member.create", "", []byte(`{"external_user_guid":"u","credentials":[{"field_name":"userkey","response":"`+secretCredential+`"}],"credentials":[]}`)))
	collect(good.Call(ctx, "member.create", "", []byte(`{"credentials":[{"field_name":"userkey","response":"`+secretCredential+`"}]`)))
	emu.injectFaults(t, map[string]any{"kind": "status", "status": 503, "count": 2})
	collect(good.UpdateMember(ctx, memberID, creds))
	emu.injectFaults(t, map[string]any{"kind": "process_then_close", "method": "POST", "path": "/member"},
		map[string]any{"kind": "status", "status": 500, "method": "GET", "path": "/member/*"})
	collect(good.CreateMember(ctx, NewMember{ExternalUserGUID: userID, ExternalMemberGUID: uniqueID(t, "m"), Credentials: creds}))
	emu.injectFaults(t, map[string]any{"kind": "delay", "ms": 3000})
	collect(good.UpdateMember(ctx, memberID, creds)) // timeout
	emu.injectFaults(t, map[string]any{"kind": "response", "status": 200, "body": "not json"})
	collect(good.UpdateMember(ctx, memberID, creds))
	collect(NewClient(WithCredentials(secretKey+"\n", emu.clientGUID)))
	collect(NewClient(WithCredentials(secretKey+"\x00", emu.clientGUID)))
	collect(NewClient(WithCredentials(strings.Repeat(secretKey, 60), emu.clientGUID)))

	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d succeeded; every call here must fail", i)
			continue
		}
		keep(fmt.Sprintf("%v | %+v | %#v | %s", err, err, err, err.Error()))
	}

	// Successes: the login material and the credentials travel only in answers and bodies.
	user, err := good.ReadUser(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	// A User printed or logged the usual ways shows none of its login material.
	keep(fmt.Sprintf("%v | %+v | %#v | %s | %q | %v | %+v", user, user, user, user, user, *user, []*User{user}))
	keep(user.String() + user.GoString())
	logger.Info("read", "user", user, "value", *user)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("read", "user", user, "value", *user)
	if _, err := good.UpdateMember(ctx, memberID, creds); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Client{wrongKey, good, lenient} {
		stats, err := c.Stats()
		if err != nil {
			t.Fatal(err)
		}
		keep(fmt.Sprintf("%+v", stats))
	}
	var emulatorLog bytes.Buffer
	req, _ := http.NewRequest(http.MethodGet, emu.controlURL+"/_emulator/log", nil)
	if resp, err := httpClient.Do(req); err == nil {
		_, _ = emulatorLog.ReadFrom(resp.Body)
		resp.Body.Close()
	}
	keep(emulatorLog.String())
	keep(logs.String())

	secrets := map[string]string{"API key": secretKey, "credential value": secretCredential,
		"login token": user.LoginToken, "widget URL": user.MasterWidgetURL}
	all := strings.Join(outputs, "\n")
	for what, secret := range secrets {
		if secret == "" {
			t.Fatalf("no %s to look for", what)
		}
		if strings.Contains(all, secret) {
			for _, text := range outputs {
				if strings.Contains(text, secret) {
					t.Errorf("the %s appears in: %s", what, text)
				}
			}
		}
	}
	if !strings.Contains(logs.String(), "mx-sso attempt") || len(outputs) < len(errs)+5 {
		t.Errorf("too little output to check: %d texts, logs %q", len(outputs), logs.String())
	}
}

// No print of a credential shows its response: fmt's verbs, inside a NewMember and a slice,
// and slog.
func TestCredentialPrintsNoResponse(t *testing.T) {
	cred := Credential{FieldName: "userkey", Response: secretCredential}
	member := NewMember{ExternalUserGUID: "u", Credentials: []Credential{cred, {"login", secretCredential}}}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("member", "credential", cred, "member", member)
	logger.Info("credentials", "credentials", member.Credentials) // a slice: no LogValue of its own
	slog.New(slog.NewTextHandler(&logs, nil)).Info("member", "credential", cred, "member", member)
	texts := []string{
		fmt.Sprintf("%v %+v %#v", cred, cred, cred),
		fmt.Sprintf("%s %q %x %X %d", cred, cred, cred, cred, cred),
		fmt.Sprint(cred), fmt.Sprintln(cred), cred.String(), cred.GoString(),
		fmt.Sprintf("%v %+v %#v", member, member, member),
		fmt.Sprintf("%v %+v %#v", &member, member.Credentials, &cred),
		logs.String(),
	}
	for _, text := range texts {
		if strings.Contains(text, secretCredential) {
			t.Errorf("a print shows the response: %s", text)
		}
		if !strings.Contains(text, "userkey") && !strings.Contains(text, "login") {
			t.Errorf("a print does not name the credential: %s", text)
		}
	}
	if got := fmt.Sprintf("%+v", cred); got != "{FieldName:userkey Response:***}" {
		t.Errorf("%%+v = %s", got)
	}
	// JSON encoding masks it too (a []Credential through slog's JSON handler, any JSON logger).
	for _, v := range []any{cred, member, member.Credentials, &member} {
		body, err := json.Marshal(v)
		if err != nil || strings.Contains(string(body), secretCredential) || !strings.Contains(string(body), `"response":"***"`) {
			t.Errorf("json.Marshal(%T) = %s, %v; want the response masked", v, body, err)
		}
	}
}

// The typed methods do send the responses: a server of the test's own (on loopback) receives
// the bodies of CreateMember, UpdateMember and EnsureMember with every credential's response.
func TestTypedMethodsSendTheResponses(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Method+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet { // ensure's read: not found, so it creates
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":"Member not found."}`)
			return
		}
		_, _ = io.WriteString(w, `{"guid":"MBR-1","user_guid":"USR-1"}`)
	}))
	defer server.Close()
	c, err := NewClient(WithBaseURL(server.URL), WithCredentials("key-typed-test", "CLT-typed-test"), WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	pair := []Credential{{"login", secretCredential + "-login"}, {"password", secretCredential + "-password"}}
	if _, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: "u", Credentials: userkey(secretCredential + "-create")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateMember(ctx, "MBR-1", pair); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.EnsureMember(ctx, NewMember{ExternalUserGUID: "u", ExternalMemberGUID: "m-typed", Credentials: userkey(secretCredential + "-ensure")}); err != nil {
		t.Fatal(err)
	}
	mu.Lock() // the server's goroutines wrote bodies; the library's HTTP is invisible to -race
	sent := strings.Join(bodies, "\n")
	mu.Unlock()
	for _, want := range []string{"-create", "-login", "-password", "-ensure"} {
		if !strings.Contains(sent, `"response":"`+secretCredential+want+`"`) {
			t.Errorf("no body sent the response %s...%s:\n%s", secretCredential, want, sent)
		}
	}
	if strings.Contains(sent, "***") {
		t.Errorf("a body sent a masked response:\n%s", sent)
	}
}
