package mxsso

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCreateUser(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := uniqueID(t, "go-create")
	score := int64(700)

	user, err := c.CreateUser(ctx, NewUser{
		ExternalUserGUID: id, Email: "a@bank.example", FirstName: "Ann", LastName: "Lee",
		Phone: "5551234", Birthdate: "1990-02-28", Sex: SexFemale, CreditScore: &score, ZipCode: "12345-6789",
	})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if user.ExternalUserGUID != id || !strings.HasPrefix(user.GUID, "USR-") || user.ClientGUID != emu.clientGUID {
		t.Errorf("ids = %q %q %q", user.ExternalUserGUID, user.GUID, user.ClientGUID)
	}
	if user.FirstName != "Ann" || user.Birthday != "1990-02-28" || user.ZipCode != "12345-6789" ||
		user.Sex == nil || *user.Sex != 1 || user.CreditScore == nil || *user.CreditScore != 700 {
		t.Errorf("fields = %+v", user)
	}
	if user.Status.Name != "ENABLED" || user.LoginToken == "" || !strings.HasPrefix(user.MasterWidgetURL, "https://") {
		t.Errorf("status and login material = %+v %q", user.Status, user.MasterWidgetURL)
	}
	if emu.user(t, id) == nil {
		t.Errorf("the emulator has no user %s", id)
	}

	// MX's documented answer to a second create with the same external guid.
	_, err = c.CreateUser(ctx, NewUser{ExternalUserGUID: id})
	e := wantError(t, err, CodeHTTP, 400)
	if e.MXError != "User already exists with guid "+id || e.Attempts != 1 {
		t.Errorf("duplicate create: %#v", e)
	}
}

func TestReadUser(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := emu.newUser(t)

	user, err := c.ReadUser(ctx, id)
	if err != nil {
		t.Fatalf("ReadUser by external guid: %v", err)
	}
	if user.ExternalUserGUID != id || user.FirstName != "Julie" || user.ZipCode != "12345" ||
		user.Status != (StatusObject{Code: 1, Name: "ENABLED"}) {
		t.Errorf("user = %+v", user)
	}
	if user.LoginToken == "" || !strings.HasPrefix(user.MasterWidgetURL, "https://") || user.TransactionsWidgetURL == "" {
		t.Errorf("no login material in %+v", user)
	}
	byGUID, err := c.ReadUser(ctx, user.GUID)
	if err != nil || byGUID.ExternalUserGUID != id {
		t.Fatalf("ReadUser by MX guid: %+v, %v", byGUID, err)
	}

	// An id with reserved characters is one path segment.
	_, err = c.ReadUser(ctx, "a/b c?d#e")
	e := wantError(t, err, CodeHTTP, 400)
	if e.MXError != "User with guid a/b c?d#e not found." {
		t.Errorf("reserved characters: %#v", e)
	}
}

func TestUpdateUser(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := emu.newUser(t)

	user, err := c.UpdateUser(ctx, id, UserUpdate{Status: StatusDisabled})
	if err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if user.ExternalUserGUID != id || user.Sex == nil || *user.Sex != 1 ||
		user.Status != (StatusObject{Code: 2, Name: "User update succeeded"}) {
		t.Errorf("user = %+v", user)
	}
	if got := emu.userStatus(t, id); got != "DISABLED" {
		t.Errorf("stored status = %s, want DISABLED", got)
	}

	score := int64(790)
	user, err = c.UpdateUser(ctx, user.GUID, UserUpdate{
		FirstName: "Jules", Sex: SexMale, CreditScore: &score, ZipCode: "K1A 0B1", Status: StatusEnabled,
	})
	if err != nil {
		t.Fatalf("UpdateUser by MX guid: %v", err)
	}
	if user.FirstName != "Jules" || *user.Sex != 0 || *user.CreditScore != 790 || user.ZipCode != "K1A 0B1" {
		t.Errorf("updated user = %+v", user)
	}
	if got := emu.userStatus(t, id); got != "ENABLED" {
		t.Errorf("stored status = %s, want ENABLED", got)
	}

	_, err = c.UpdateUser(ctx, "no-such-user", UserUpdate{Status: StatusDisabled})
	e := wantError(t, err, CodeHTTP, 400)
	if e.MXError != "User with guid no-such-user not found." || e.Attempts != 1 || !errors.Is(err, ErrHTTP) {
		t.Errorf("unknown user: %#v", e)
	}
}

func TestDeleteUser(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := emu.newUser(t)
	member := emu.newMember(t, id)

	if err := c.DeleteUser(ctx, id); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if emu.user(t, id) != nil || emu.member(t, member) != nil {
		t.Errorf("the user or its member still exists after DeleteUser")
	}
	_, err := c.ReadUser(ctx, id)
	wantError(t, err, CodeHTTP, 400, "not found")
	err = c.DeleteUser(ctx, id)
	wantError(t, err, CodeHTTP, 400, "User with guid "+id+" not found.")
}

func TestEnsureUser(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := uniqueID(t, "go-ensure")

	user, created, err := c.EnsureUser(ctx, NewUser{ExternalUserGUID: id, FirstName: "Ada"})
	if err != nil || !created {
		t.Fatalf("first EnsureUser: created=%v, %v", created, err)
	}
	if user.ExternalUserGUID != id || user.FirstName != "Ada" || !strings.HasPrefix(user.GUID, "USR-") {
		t.Errorf("user = %+v", user)
	}
	again, created, err := c.EnsureUser(ctx, NewUser{ExternalUserGUID: id, FirstName: "Other"})
	if err != nil || created {
		t.Fatalf("second EnsureUser: created=%v, %v", created, err)
	}
	if again.GUID != user.GUID || again.FirstName != "Ada" {
		t.Errorf("the existing user was not returned as it is: %+v", again)
	}
}

// MX's documented client error: a client guid that is not the key's.
func TestClientNotAssociated(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t, WithCredentials(emu.apiKey, "CLT-not-this-one"))
	_, err := c.ReadUser(context.Background(), emu.newUser(t))
	wantError(t, err, CodeHTTP, 500, "Create user failed: Client must be associated.")
}

// Every body rule of the user operations, good and bad: a bad value is a validation error
// naming the field, with nothing sent.
func TestUserBodyRules(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	id := emu.newUser(t)
	bad := func(v int64) *int64 { return &v }

	t.Run("good", func(t *testing.T) {
		for i, u := range []UserUpdate{
			{Email: "x@y.z"}, {Phone: "555"}, {LastName: "West"}, {Birthdate: "2000-02-29"},
			{Sex: SexMale}, {CreditScore: bad(0)}, {ZipCode: "12345"}, {ZipCode: "12345-6789"},
			{ZipCode: "k1a 0b1"}, {Status: StatusDisabled}, {Status: StatusEnabled},
		} {
			if _, err := c.UpdateUser(ctx, id, u); err != nil {
				t.Errorf("update %d %+v: %v", i, u, err)
			}
		}
	})

	t.Run("bad", func(t *testing.T) {
		emu.expectNothingSent(t)
		for _, tc := range []struct {
			name  string
			call  func() error
			field string
		}{
			{"update status", func() error { _, err := c.UpdateUser(ctx, id, UserUpdate{Status: "PAUSED"}); return err }, "status"},
			{"update sex", func() error { _, err := c.UpdateUser(ctx, id, UserUpdate{Sex: "male"}); return err }, "sex"},
			{"update zip", func() error { _, err := c.UpdateUser(ctx, id, UserUpdate{ZipCode: "1234"}); return err }, "zip_code"},
			{"update birthdate", func() error { _, err := c.UpdateUser(ctx, id, UserUpdate{Birthdate: "2001-02-29"}); return err }, "birthdate"},
			{"update nothing", func() error { _, err := c.UpdateUser(ctx, id, UserUpdate{}); return err }, "status"},
			{"update typo", func() error { _, err := c.Call(ctx, "user.update", id, []byte(`{"stauts":"DISABLED"}`)); return err }, "stauts"},
			{"update credit score text", func() error {
				_, err := c.Call(ctx, "user.update", id, []byte(`{"credit_score":"700"}`))
				return err
			}, "credit_score"},
			{"create without external guid", func() error { _, err := c.CreateUser(ctx, NewUser{FirstName: "A"}); return err }, "external_user_guid"},
			{"create USR- external guid", func() error { _, err := c.CreateUser(ctx, NewUser{ExternalUserGUID: "usr-1"}); return err }, "USR-"},
			{"create zip", func() error {
				_, err := c.CreateUser(ctx, NewUser{ExternalUserGUID: uniqueID(t, "z"), ZipCode: "ABCDE"})
				return err
			}, "zip_code"},
			{"create with status", func() error {
				_, err := c.Call(ctx, "user.create", "", []byte(`{"external_user_guid":"s-1","status":"ENABLED"}`))
				return err
			}, "status"},
			{"ensure without external guid", func() error { _, _, err := c.EnsureUser(ctx, NewUser{Email: "a@b.c"}); return err }, "external_user_guid"},
			{"not an object", func() error { _, err := c.Call(ctx, "user.update", id, []byte(`[]`)); return err }, "object"},
			{"duplicate key", func() error {
				_, err := c.Call(ctx, "user.update", id, []byte(`{"status":"DISABLED","status":"ENABLED"}`))
				return err
			}, "status"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				e := wantError(t, err, CodeValidation, 0, tc.field)
				if !errors.Is(err, ErrValidation) || e.Attempts != 0 {
					t.Errorf("got %#v", e)
				}
			})
		}
	})
}

// The package-level functions run every user operation on the library's default client,
// whose credentials and server come from the environment (set by scripts/with-emulator).
func TestPackageLevelUserOperations(t *testing.T) {
	emu := needEmulator(t)
	ctx := context.Background()
	id := uniqueID(t, "go-pkg")

	user, created, err := EnsureUser(ctx, NewUser{ExternalUserGUID: id})
	if err != nil || !created || user.ExternalUserGUID != id {
		t.Fatalf("EnsureUser: %+v %v %v", user, created, err)
	}
	if _, err := UpdateUser(ctx, id, UserUpdate{Status: StatusDisabled}); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if user, err = ReadUser(ctx, id); err != nil || user.Status.Name != "DISABLED" {
		t.Fatalf("ReadUser: %+v %v", user, err)
	}
	if err := DeleteUser(ctx, id); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if emu.user(t, id) != nil {
		t.Errorf("user %s still exists", id)
	}
	other := uniqueID(t, "go-pkg-create")
	if user, err = CreateUser(ctx, NewUser{ExternalUserGUID: other}); err != nil || user.ExternalUserGUID != other {
		t.Fatalf("CreateUser: %+v %v", user, err)
	}
	_, err = ReadUser(ctx, "no-such-user-pkg")
	wantError(t, err, CodeHTTP, 400, "not found")
	raw, err := Call(ctx, "user.read", other, nil)
	if err != nil || !strings.Contains(string(raw), other) {
		t.Fatalf("Call: %s %v", raw, err)
	}
}

func TestUnknownUserIsHTTP400WithMXText(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)

	_, err := c.UpdateUser(context.Background(), "no-such-user", UserUpdate{Status: StatusDisabled})
	e := wantError(t, err, CodeHTTP, 400)
	if e.MXError != "User with guid no-such-user not found." || e.Attempts != 1 {
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
