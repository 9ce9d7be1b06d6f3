package mxsso

import (
	"context"
	"encoding/json"
	"fmt"
)

// Every operation, as a method of Client, each one line over the one request path
// (request.go), and as a package-level function that calls the method on the library's
// process-wide default client. The library checks ids and bodies (nothing is sent when one is
// wrong) and runs the retries and read-backs; see the README for what each operation does.

// CreateUser creates a user (POST /user). A create whose outcome is unknown (the connection
// lost after sending) is resolved by the library reading u.ExternalUserGUID back.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (*User, error) {
	return decoded[User](c.call(ctx, opUserCreate, "", u))
}

// ReadUser reads a user (GET /user/{id}) by MX's user guid or your external_user_guid; its
// answer holds the login material (LoginToken, the widget URLs).
func (c *Client) ReadUser(ctx context.Context, id string) (*User, error) {
	return decoded[User](c.call(ctx, opUserRead, id, nil))
}

// UpdateUser updates a user (PUT /user/{id}); only the fields set in u are sent.
func (c *Client) UpdateUser(ctx context.Context, id string, u UserUpdate) (*User, error) {
	return decoded[User](c.call(ctx, opUserUpdate, id, u))
}

// DeleteUser deletes a user and its members (DELETE /user/{id}; not documented by MX).
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return discard(c.call(ctx, opUserDelete, id, nil))
}

// EnsureUser is MX's provisioning workflow as one call: read the user by
// u.ExternalUserGUID (required), create it if not found. created is true when this call
// created it; a user created meanwhile by another process is returned with created false.
func (c *Client) EnsureUser(ctx context.Context, u NewUser) (user *User, created bool, err error) {
	return ensured[User](c.call(ctx, opUserEnsure, "", u))
}

// CreateMember creates a member (POST /member), resolved by reading m.ExternalMemberGUID back
// when its outcome is unknown.
func (c *Client) CreateMember(ctx context.Context, m NewMember) (*Member, error) {
	return decoded[Member](c.call(ctx, opMemberCreate, "", m.wire()))
}

// ReadMember reads a member (GET /member/{id}; not documented by MX) by MX's member guid or
// your external_member_guid.
func (c *Client) ReadMember(ctx context.Context, id string) (*Member, error) {
	return decoded[Member](c.call(ctx, opMemberRead, id, nil))
}

// UpdateMember replaces a member's credentials (PUT /member/{id}; not documented by MX).
func (c *Client) UpdateMember(ctx context.Context, id string, credentials []Credential) (*Member, error) {
	return decoded[Member](c.call(ctx, opMemberUpdate, id, memberUpdate{wireCredentials(credentials)}))
}

// DeleteMember deletes a member (DELETE /member/{id}; not documented by MX).
func (c *Client) DeleteMember(ctx context.Context, id string) error {
	return discard(c.call(ctx, opMemberDelete, id, nil))
}

// EnsureMember reads the member by m.ExternalMemberGUID (required) and creates it if not
// found; created as for [Client.EnsureUser].
func (c *Client) EnsureMember(ctx context.Context, m NewMember) (member *Member, created bool, err error) {
	return ensured[Member](c.call(ctx, opMemberEnsure, "", m.wire()))
}

// Call runs any operation of the library's table by name ("user.update", "member.read", ...)
// with a JSON body, and returns the library's success text exactly as received: MX's JSON,
// {} for an empty delete answer, {"created": ..., "user"|"member": ...} for ensure. id is ""
// and body nil where the operation takes none.
func (c *Client) Call(ctx context.Context, op, id string, body []byte) ([]byte, error) {
	return c.call(ctx, op, id, body)
}

// defaultClient is the library's process-wide default client (NULL to mx_client_call) as a
// Client, so that each package-level function is the method of the same name. Only those
// functions use it: it is never closed, has no finalizer, no events and no counters.
var defaultClient = &Client{target: target{ptr: nil, timeout: defaultTimeout}}

// CreateUser is [Client.CreateUser] on the process-wide default client.
func CreateUser(ctx context.Context, u NewUser) (*User, error) {
	return defaultClient.CreateUser(ctx, u)
}

// ReadUser is [Client.ReadUser] on the process-wide default client.
func ReadUser(ctx context.Context, id string) (*User, error) {
	return defaultClient.ReadUser(ctx, id)
}

// UpdateUser is [Client.UpdateUser] on the process-wide default client.
func UpdateUser(ctx context.Context, id string, u UserUpdate) (*User, error) {
	return defaultClient.UpdateUser(ctx, id, u)
}

// DeleteUser is [Client.DeleteUser] on the process-wide default client.
func DeleteUser(ctx context.Context, id string) error {
	return defaultClient.DeleteUser(ctx, id)
}

// EnsureUser is [Client.EnsureUser] on the process-wide default client.
func EnsureUser(ctx context.Context, u NewUser) (user *User, created bool, err error) {
	return defaultClient.EnsureUser(ctx, u)
}

// CreateMember is [Client.CreateMember] on the process-wide default client.
func CreateMember(ctx context.Context, m NewMember) (*Member, error) {
	return defaultClient.CreateMember(ctx, m)
}

// ReadMember is [Client.ReadMember] on the process-wide default client.
func ReadMember(ctx context.Context, id string) (*Member, error) {
	return defaultClient.ReadMember(ctx, id)
}

// UpdateMember is [Client.UpdateMember] on the process-wide default client.
func UpdateMember(ctx context.Context, id string, credentials []Credential) (*Member, error) {
	return defaultClient.UpdateMember(ctx, id, credentials)
}

// DeleteMember is [Client.DeleteMember] on the process-wide default client.
func DeleteMember(ctx context.Context, id string) error {
	return defaultClient.DeleteMember(ctx, id)
}

// EnsureMember is [Client.EnsureMember] on the process-wide default client.
func EnsureMember(ctx context.Context, m NewMember) (member *Member, created bool, err error) {
	return defaultClient.EnsureMember(ctx, m)
}

// Call is [Client.Call] on the process-wide default client.
func Call(ctx context.Context, op, id string, body []byte) ([]byte, error) {
	return defaultClient.Call(ctx, op, id, body)
}

// decoded decodes a successful answer into a T.
func decoded[T any](answer []byte, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	var value T
	if err := json.Unmarshal(answer, &value); err != nil {
		return nil, undecodable[T](err)
	}
	return &value, nil
}

// ensured decodes an ensure's answer, {"created": bool, "user"|"member": {...}}.
func ensured[T any](answer []byte, err error) (*T, bool, error) {
	if err != nil {
		return nil, false, err
	}
	var parsed struct {
		Created *bool           `json:"created"`
		User    json.RawMessage `json:"user"`
		Member  json.RawMessage `json:"member"`
	}
	if err := json.Unmarshal(answer, &parsed); err != nil {
		return nil, false, undecodable[T](err)
	}
	inner := parsed.User
	if inner == nil {
		inner = parsed.Member
	}
	if parsed.Created == nil || inner == nil {
		return nil, false, undecodable[T](fmt.Errorf(`no "created" and "user" or "member" keys`))
	}
	value, err := decoded[T](inner, nil)
	return value, *parsed.Created, err
}

// discard keeps only the error of a call whose answer the caller does not need.
func discard(_ []byte, err error) error {
	return err
}

// undecodable is the error of a successful call whose answer is not the T it should be. The
// call did happen (a create created); Call returns the same answer as received.
func undecodable[T any](err error) *Error {
	var zero T
	return &Error{
		Code: CodeResponse,
		Message: fmt.Sprintf("the call succeeded but MX's answer could not be decoded as %T (%v); "+
			"Call returns the answer as received", zero, err),
	}
}
