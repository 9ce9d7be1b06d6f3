package mxsso

import (
	"context"
	"strings"
	"testing"
)

func userkey(value string) []Credential {
	return []Credential{{FieldName: "userkey", Response: value}}
}

// A member's whole life: created, read by both ids, credentials updated, ensured (found),
// deleted; then MX's documented "Member not found." for every operation on it.
func TestMemberLifecycle(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	userID := emu.newUser(t)
	user, err := c.ReadUser(ctx, userID)
	if err != nil {
		t.Fatal(err)
	}
	id := uniqueID(t, "go-member")

	member, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: userID, ExternalMemberGUID: id, Credentials: userkey("k-1")})
	if err != nil {
		t.Fatalf("CreateMember: %v", err)
	}
	if !strings.HasPrefix(member.GUID, "MBR-") || member.UserGUID != user.GUID || member.ExternalMemberGUID != id ||
		!strings.HasPrefix(member.InstitutionGUID, "INS-") || member.Status != (StatusObject{Code: 1, Name: "ENABLED"}) {
		t.Errorf("member = %+v", member)
	}
	for _, ref := range []string{id, member.GUID} {
		read, err := c.ReadMember(ctx, ref)
		if err != nil || read.GUID != member.GUID {
			t.Errorf("ReadMember(%s) = %+v, %v", ref, read, err)
		}
	}
	updated, err := c.UpdateMember(ctx, id, []Credential{{"login", "l"}, {"password", "p"}})
	if err != nil || updated.GUID != member.GUID {
		t.Fatalf("UpdateMember: %+v, %v", updated, err)
	}
	ensured, created, err := c.EnsureMember(ctx, NewMember{UserGUID: user.GUID, ExternalMemberGUID: id, Credentials: userkey("k-2")})
	if err != nil || created || ensured.GUID != member.GUID {
		t.Fatalf("EnsureMember of an existing member: %+v, %v, %v", ensured, created, err)
	}
	if err := c.DeleteMember(ctx, id); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	if emu.member(t, id) != nil {
		t.Errorf("member %s still exists", id)
	}

	_, err = c.ReadMember(ctx, id)
	wantError(t, err, CodeHTTP, 500, "Member not found.")
	_, err = c.UpdateMember(ctx, id, userkey("k-3"))
	wantError(t, err, CodeHTTP, 500, "Member not found.")
	err = c.DeleteMember(ctx, id)
	wantError(t, err, CodeHTTP, 500, "Member not found.")

	// Ensure creates it again (the external member guid is free once deleted).
	again, created, err := c.EnsureMember(ctx, NewMember{ExternalUserGUID: userID, ExternalMemberGUID: id, Credentials: userkey("k-4"), Name: "Checking"})
	if err != nil || !created || again.GUID == member.GUID || again.Name != "Checking" {
		t.Fatalf("EnsureMember after delete: %+v, %v, %v", again, created, err)
	}
}

func TestMemberDocumentedErrors(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	userID := emu.newUser(t)
	existing := emu.newMember(t, userID)

	_, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: "no-such-user-m", Credentials: userkey("k")})
	wantError(t, err, CodeHTTP, 400, "User with guid no-such-user-m not found.")
	_, err = c.CreateMember(ctx, NewMember{ExternalUserGUID: userID, ExternalMemberGUID: existing, Credentials: userkey("k")})
	wantError(t, err, CodeHTTP, 400, "already exists")
}

// Every member body rule, good and bad: a bad one names the field, sends nothing, and never
// shows a credential's response.
func TestMemberBodyRules(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	ctx := context.Background()
	userID := emu.newUser(t)
	const secret = "resp-RECOGNISABLE-0042"

	t.Run("good", func(t *testing.T) {
		for i, m := range []NewMember{
			{ExternalUserGUID: userID, Credentials: userkey(secret)},
			{ExternalUserGUID: userID, Credentials: []Credential{{"password", "p"}, {"login", "l"}}},
			{ExternalUserGUID: userID, ExternalMemberGUID: uniqueID(t, "m"), Name: "Savings", InstitutionGUID: "INS-1", Credentials: userkey("")},
		} {
			if _, err := c.CreateMember(ctx, m); err != nil {
				t.Errorf("member %d: %v", i, err)
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
			{"no user", func() error { _, err := c.CreateMember(ctx, NewMember{Credentials: userkey(secret)}); return err }, "user_guid"},
			{"both users", func() error {
				_, err := c.CreateMember(ctx, NewMember{UserGUID: "USR-1", ExternalUserGUID: userID, Credentials: userkey(secret)})
				return err
			}, "user_guid"},
			{"no credentials", func() error { _, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: userID}); return err }, "credentials"},
			{"login alone", func() error {
				_, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: userID, Credentials: []Credential{{"login", secret}}})
				return err
			}, "password"},
			{"userkey with login and password", func() error {
				_, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: userID,
					Credentials: []Credential{{"login", secret}, {"password", secret}, {"userkey", secret}}})
				return err
			}, "userkey"},
			{"twice", func() error {
				_, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: userID, Credentials: []Credential{{"userkey", secret}, {"userkey", secret}}})
				return err
			}, "userkey"},
			{"other name", func() error {
				_, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: userID, Credentials: []Credential{{"pin", secret}}})
				return err
			}, "pin"},
			{"MBR- external guid", func() error {
				_, err := c.CreateMember(ctx, NewMember{ExternalUserGUID: userID, ExternalMemberGUID: "mbr-1", Credentials: userkey(secret)})
				return err
			}, "MBR-"},
			{"ensure without external member guid", func() error {
				_, _, err := c.EnsureMember(ctx, NewMember{ExternalUserGUID: userID, Credentials: userkey(secret)})
				return err
			}, "external_member_guid"},
			{"update without credentials", func() error { _, err := c.UpdateMember(ctx, "m-1", nil); return err }, "credentials"},
			{"update other name", func() error { _, err := c.UpdateMember(ctx, "m-1", []Credential{{"token", secret}}); return err }, "token"},
			{"update with another field", func() error {
				_, err := c.Call(ctx, "member.update", "m-1", []byte(`{"credentials":[{"field_name":"userkey","response":"`+secret+`"}],"name":"x"}`))
				return err
			}, "name"},
			{"response not a string", func() error {
				_, err := c.Call(ctx, "member.create", "", []byte(`{"external_user_guid":"u","credentials":[{"field_name":"userkey","response":42}]}`))
				return err
			}, "response"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.call()
				e := wantError(t, err, CodeValidation, 0, tc.field)
				if strings.Contains(e.Message, secret) {
					t.Errorf("message shows the credential: %q", e.Message)
				}
			})
		}
	})
}

// A member create whose answer is lost is resolved by reading it back.
func TestMemberCreateResolvedByReadBack(t *testing.T) {
	emu := needEmulator(t)
	c := emu.newTestClient(t)
	userID := emu.newUser(t)
	id := uniqueID(t, "go-member-rb")
	emu.clearLog(t)
	emu.injectFaults(t, map[string]any{"kind": "process_then_close", "method": "POST", "path": "/member"})

	member, err := c.CreateMember(context.Background(), NewMember{ExternalUserGUID: userID, ExternalMemberGUID: id, Credentials: userkey("k")})
	if err != nil || member.ExternalMemberGUID != id {
		t.Fatalf("CreateMember after a lost answer: %+v, %v", member, err)
	}
	entries := emu.requestLog(t)
	if count(entries, "POST", "/member", "") != 1 || count(entries, "GET", "/member/"+id, "answered") != 1 {
		t.Errorf("want one lost POST and one read-back: %+v", entries)
	}
}

func TestPackageLevelMemberOperations(t *testing.T) {
	emu := needEmulator(t)
	ctx := context.Background()
	userID := emu.newUser(t)
	id := uniqueID(t, "go-pkg-member")

	member, created, err := EnsureMember(ctx, NewMember{ExternalUserGUID: userID, ExternalMemberGUID: id, Credentials: userkey("k")})
	if err != nil || !created {
		t.Fatalf("EnsureMember: %+v %v %v", member, created, err)
	}
	if _, err := UpdateMember(ctx, id, userkey("k2")); err != nil {
		t.Fatalf("UpdateMember: %v", err)
	}
	if read, err := ReadMember(ctx, member.GUID); err != nil || read.ExternalMemberGUID != id {
		t.Fatalf("ReadMember: %+v %v", read, err)
	}
	if err := DeleteMember(ctx, id); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	other, err := CreateMember(ctx, NewMember{ExternalUserGUID: userID, Credentials: userkey("k")})
	if err != nil || !strings.HasPrefix(other.GUID, "MBR-") {
		t.Fatalf("CreateMember: %+v %v", other, err)
	}
	_, err = ReadMember(ctx, id)
	wantError(t, err, CodeHTTP, 500, "Member not found.")
}
