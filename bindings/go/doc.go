// Package mxsso calls MX's SSO API v2.8 (users and members) through the mx-sso library.
//
// The package is a thin layer over the library's C ABI (include/mx_sso.h): validation,
// retries, read-backs, timeouts and error mapping all happen in the library, and this package
// only translates Go values to and from it. Every call goes through one private request path
// over mx_client_call; each public method is one line over it.
//
// A [Client] holds its credentials (by default MX_SSO_API_KEY and MX_SSO_CLIENT_GUID from the
// environment), its options and a pool of connections, and is shared by any number of
// goroutines:
//
//	c, err := mxsso.NewClient(mxsso.WithCredentials(apiKey, clientGUID), mxsso.WithBaseURL(url))
//	defer c.Close()
//	user, created, err := c.EnsureUser(ctx, mxsso.NewUser{ExternalUserGUID: "bank-user-2"})
//	user, err = c.UpdateUser(ctx, "bank-user-2", mxsso.UserUpdate{Status: mxsso.StatusDisabled})
//	raw, err := c.Call(ctx, "user.read", "bank-user-2", nil) // JSON in, JSON out
//
// The package-level functions ([ReadUser], [UpdateUser], ...) use the library's process-wide
// default client, configured by MX_SSO_BASE_URL, MX_SSO_API_KEY and MX_SSO_CLIENT_GUID.
//
// Every method takes a context: a deadline sooner than the client's timeout bounds the call,
// and a context already done returns its error without calling. Failures are *[Error] values,
// never panics; no error, event or log line holds the API key or a credential's response.
//
// Every C string argument is copied with C.CString and freed after the call; every string the
// library returns is copied into Go memory and released with mx_string_free.
package mxsso
