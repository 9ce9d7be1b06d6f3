// Command update_user disables (or enables) a user through MX's SSO API v2.8 with the mxsso
// Go package, and prints the updated user without its login material.
//
//	MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=CLT-... update_user USER_GUID [ENABLED|DISABLED]
//
// MX_SSO_BASE_URL picks the server (default https://api2.moneydesktop.com; MX's integration
// host is https://int-api2.moneydesktop.com). USER_GUID is MX's user guid or your
// external_user_guid. On failure it prints the error and exits with status 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	mxsso "github.com/mx-sso/mx-sso/bindings/go"
)

func main() {
	if os.Getenv("MX_SSO_API_KEY") == "" || os.Getenv("MX_SSO_CLIENT_GUID") == "" || len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintf(os.Stderr, "usage: MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=... %s USER_GUID [ENABLED|DISABLED]\n", os.Args[0])
		os.Exit(2)
	}
	status := mxsso.StatusDisabled
	if len(os.Args) == 3 {
		status = mxsso.Status(os.Args[2]) // the library checks the value; nothing is sent if it is wrong
	}
	fmt.Fprintf(os.Stderr, "mx-sso %s\n", mxsso.LibraryVersion())

	user, err := updateStatus(os.Args[1], status)
	if err != nil {
		fail(err)
	}
	out, err := withoutLoginMaterial(user)
	if err != nil {
		fail(err)
	}
	fmt.Println(string(out))
}

// withoutLoginMaterial is the user as indented JSON without login_token and the *_widget_url
// fields: they open the user's MoneyDesktop session (the URLs carry the token), so they go to
// the user's browser, never to an output or a log.
func withoutLoginMaterial(user *mxsso.User) ([]byte, error) {
	encoded, err := json.Marshal(user)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(encoded, &fields); err != nil {
		return nil, err
	}
	for name := range fields {
		if name == "login_token" || strings.HasSuffix(name, "_widget_url") {
			delete(fields, name)
		}
	}
	return json.MarshalIndent(fields, "", "  ")
}

// updateStatus sets one user's status through a client whose credentials come from the
// environment (MX_SSO_API_KEY, MX_SSO_CLIENT_GUID).
func updateStatus(userGUID string, status mxsso.Status) (*mxsso.User, error) {
	// A long-running program creates one client and keeps it: it reuses connections.
	// The base URL comes from MX_SSO_BASE_URL, as the credentials come from the environment.
	client, err := mxsso.NewClient(mxsso.WithTimeout(10 * time.Second))
	if err != nil {
		return nil, err
	}
	defer client.Close()
	return client.UpdateUser(context.Background(), userGUID, mxsso.UserUpdate{Status: status})
}

// fail prints err, with its kind, the HTTP status and MX's own text when there are any, and
// exits with status 1.
func fail(err error) {
	fmt.Fprintln(os.Stderr, "update failed:", err)
	var e *mxsso.Error
	if errors.As(err, &e) {
		fmt.Fprintf(os.Stderr, "  kind: %s (%s)\n", e.Code.Name(), e.Code)
		if e.HTTPStatus != 0 {
			fmt.Fprintf(os.Stderr, "  HTTP status: %d\n", e.HTTPStatus)
		}
		if e.MXError != "" {
			fmt.Fprintf(os.Stderr, "  MX says: %s\n", e.MXError)
		}
	}
	os.Exit(1)
}
