package mxsso_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	mxsso "github.com/mx-sso/mx-sso/bindings/go"
)

// Disable a user through a client with its own options.
func Example() {
	client, err := mxsso.NewClient(
		mxsso.WithBaseURL("https://int-api2.moneydesktop.com"),
		mxsso.WithTimeout(10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	user, err := client.UpdateUser(os.Getenv("MX_SSO_API_KEY"), os.Getenv("MX_SSO_CLIENT_GUID"),
		"bank-user-1001", mxsso.UserUpdate{Status: mxsso.StatusDisabled})
	var e *mxsso.Error
	switch {
	case errors.As(err, &e) && e.HTTPStatus == 400:
		fmt.Println("MX says:", e.MXError) // e.g. "User with guid bank-user-1001 not found."
	case errors.Is(err, mxsso.ErrTransport):
		fmt.Println("no answer (a wrong API key or an IP MX does not allow):", err)
	case err != nil:
		fmt.Println(err)
	default:
		fmt.Println(user.GUID, user.Status.Name)
	}
}

// The one-shot call on the process-wide default client (configured by MX_SSO_BASE_URL).
func ExampleUpdateUserJSON() {
	raw, err := mxsso.UpdateUserJSON(os.Getenv("MX_SSO_API_KEY"), os.Getenv("MX_SSO_CLIENT_GUID"),
		"bank-user-1001", []byte(`{"status": "ENABLED"}`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(raw))
}
