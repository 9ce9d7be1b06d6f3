package mxsso_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	mxsso "github.com/mx-sso/mx-sso/bindings/go"
)

// Provision a user as MX's guide does, then disable it, through a client with its own
// credentials and options.
func Example() {
	client, err := mxsso.NewClient(
		mxsso.WithCredentials(os.Getenv("MX_SSO_API_KEY"), os.Getenv("MX_SSO_CLIENT_GUID")),
		mxsso.WithBaseURL("https://int-api2.moneydesktop.com"),
		mxsso.WithTimeout(10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()

	user, created, err := client.EnsureUser(ctx, mxsso.NewUser{ExternalUserGUID: "bank-user-1001", FirstName: "Julie"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.GUID, "created:", created) // user.MasterWidgetURL opens MoneyDesktop

	_, err = client.UpdateUser(ctx, "bank-user-1001", mxsso.UserUpdate{Status: mxsso.StatusDisabled})
	var e *mxsso.Error
	switch {
	case errors.As(err, &e) && e.HTTPStatus == 400:
		fmt.Println("MX says:", e.MXError) // e.g. "User with guid bank-user-1001 not found."
	case errors.Is(err, mxsso.ErrTransport):
		fmt.Println("no answer (a wrong API key or an IP MX does not allow):", err)
	case err != nil:
		fmt.Println(err)
	}
}

// Connect the user's bank credentials: the member is created if missing.
func ExampleClient_EnsureMember() {
	client, err := mxsso.NewClient() // credentials from MX_SSO_API_KEY and MX_SSO_CLIENT_GUID
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	member, created, err := client.EnsureMember(context.Background(), mxsso.NewMember{
		ExternalUserGUID:   "bank-user-1001",
		ExternalMemberGUID: "bank-user-1001-member",
		Credentials:        []mxsso.Credential{{FieldName: "userkey", Response: "…"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(member.GUID, created)
}

// Every attempt to the bank's log (slog), and to an audit function.
func ExampleWithLogger() {
	client, err := mxsso.NewClient(mxsso.WithLogger(slog.New(slog.NewJSONHandler(os.Stderr, nil))))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	client.SetEventHandler(func(e mxsso.Event) {
		fmt.Println(e.TS.Format(time.RFC3339), e.Op, e.Path, e.Attempt, e.Outcome, e.HTTPStatus)
	})
}

// A deadline from the context bounds the call when it is sooner than the client's timeout.
func ExampleReadUser() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	user, err := mxsso.ReadUser(ctx, "bank-user-1001") // the default client: MX_SSO_* variables
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.Status.Name)
}

// Any operation by name, JSON in and out.
func ExampleCall() {
	raw, err := mxsso.Call(context.Background(), "user.update", "bank-user-1001", []byte(`{"status": "ENABLED"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(raw))
}
