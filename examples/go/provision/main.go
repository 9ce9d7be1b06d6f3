// Command provision runs a bank's provisioning workflow with the mxsso Go package, as MX's
// guide describes it: make sure the customer's MX user exists (created if missing), read its
// login material, make sure its member (the customer's credentials at the bank) exists, read
// it, and print the login URL that opens MoneyDesktop; later, when the customer leaves online
// banking, disable the user and read it back.
//
//	MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=CLT-... BANK_USERKEY=... provision bank-user-42
//
// MX_SSO_BASE_URL picks the server (default https://api2.moneydesktop.com). The credentials
// come from the environment, never from the command line (it shows in ps and shell history);
// BANK_USERKEY is the customer's userkey at the bank. Retries and failures are logged to
// standard error. On failure it prints the step and the error (with MX's own text when there is
// one) and exits with status 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	mxsso "github.com/mx-sso/mx-sso/bindings/go"
)

func main() {
	userkey := os.Getenv("BANK_USERKEY")
	if os.Getenv("MX_SSO_API_KEY") == "" || os.Getenv("MX_SSO_CLIENT_GUID") == "" || userkey == "" || len(os.Args) != 2 {
		fmt.Fprintf(os.Stderr, "usage: MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=... BANK_USERKEY=... %s EXTERNAL_USER_GUID\n", os.Args[0])
		os.Exit(2)
	}
	customer := os.Args[1]

	// One client for the whole program: credentials from MX_SSO_API_KEY and MX_SSO_CLIENT_GUID;
	// retried attempts (WARN) and failed calls (ERROR) logged to standard error.
	// The base URL and the credentials come from MX_SSO_BASE_URL, MX_SSO_API_KEY and
	// MX_SSO_CLIENT_GUID.
	client, err := mxsso.NewClient(
		mxsso.WithTimeout(10*time.Second),
		mxsso.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
	)
	check("client", err)
	defer client.Close()
	ctx := context.Background()

	user, created, err := client.EnsureUser(ctx, mxsso.NewUser{ExternalUserGUID: customer, FirstName: "Julie"})
	check("ensure", err)
	fmt.Printf("ensure    %s the user %s (%s)\n", createdOrFound(created), customer, user.GUID)

	// The login material (login_token, the widget URLs) opens the customer's MoneyDesktop
	// session: hand it to the customer's browser, never to a log.
	user, err = client.ReadUser(ctx, customer)
	check("read", err)
	loginURL := user.MasterWidgetURL
	if loginURL == "" {
		check("read", fmt.Errorf("MX's answer has no master_widget_url"))
	}
	fmt.Println("read      master_widget_url present")

	memberID := customer + "-member"
	member, created, err := client.EnsureMember(ctx, mxsso.NewMember{
		ExternalUserGUID:   customer,
		ExternalMemberGUID: memberID,
		Credentials:        []mxsso.Credential{{FieldName: "userkey", Response: userkey}},
	})
	check("member", err)
	fmt.Printf("member    %s the member %s (%s)\n", createdOrFound(created), memberID, member.GUID)

	member, err = client.ReadMember(ctx, memberID)
	check("read", err)
	fmt.Printf("read      member %s of %s is %s\n", member.GUID, member.UserGUID, member.Status.Name)

	fmt.Printf("open MoneyDesktop: %s\n", loginURL)

	// Later: the customer leaves online banking.
	_, err = client.UpdateUser(ctx, customer, mxsso.UserUpdate{Status: mxsso.StatusDisabled})
	check("disable", err)
	fmt.Println("disable   ok")

	user, err = client.ReadUser(ctx, customer)
	check("read back", err)
	fmt.Printf("read back %s\n", user.Status.Name)
}

// createdOrFound says what an ensure did.
func createdOrFound(created bool) string {
	if created {
		return "created"
	}
	return "found"
}

// check ends the program when a step failed: the step, the error (kind, HTTP status, MX's own
// text), exit status 1.
func check(step string, err error) {
	if err == nil {
		return
	}
	fmt.Fprintf(os.Stderr, "%-9s failed: %v\n", step, err)
	var e *mxsso.Error
	if errors.As(err, &e) && e.MXError != "" {
		fmt.Fprintf(os.Stderr, "  HTTP %d, MX says: %s\n", e.HTTPStatus, e.MXError)
	}
	os.Exit(1)
}
