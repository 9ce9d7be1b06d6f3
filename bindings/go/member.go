package mxsso

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// NewMember is the body of a Create member request, and of EnsureMember: the documented
// fields, tagged with MX's JSON names, zero fields left out. Name the member's user with
// exactly one of UserGUID (MX's USR- guid) or ExternalUserGUID (yours). Credentials are
// either "login" with "password", or "userkey" alone. ExternalMemberGUID (your own id, not
// beginning with "MBR-") is required by EnsureMember, and lets a create whose answer was lost
// be resolved by reading it back. MX says to send Name and InstitutionGUID only when it
// instructs you to.
type NewMember struct {
	// UserGUID is MX's guid of the member's user.
	UserGUID string `json:"user_guid,omitempty"`
	// ExternalUserGUID is your own id of the member's user.
	ExternalUserGUID string `json:"external_user_guid,omitempty"`
	// ExternalMemberGUID is your own id for the member.
	ExternalMemberGUID string `json:"external_member_guid,omitempty"`
	// Name is the member's name.
	Name string `json:"name,omitempty"`
	// InstitutionGUID is MX's guid of the member's institution.
	InstitutionGUID string `json:"institution_guid,omitempty"`
	// Credentials are the user's credentials at the institution.
	Credentials []Credential `json:"credentials,omitempty"`
}

// LogValue shows the member with every credential's response masked, for log/slog.
func (m NewMember) LogValue() slog.Value {
	masked := make([]Credential, len(m.Credentials))
	for i, c := range m.Credentials {
		masked[i] = Credential{FieldName: c.FieldName, Response: "***"}
	}
	m.Credentials = masked
	return slog.AnyValue(loggedMember(m))
}

// loggedMember is a NewMember without LogValue, so that slog does not resolve it again.
type loggedMember NewMember

// Credential is one credential of a member, such as {FieldName: "userkey", Response: key}.
// Response is a secret: it is sent to MX in the request body and nowhere else. No print or
// encoding of a Credential, a []Credential or a NewMember shows it (fmt's verbs, String,
// GoString, slog, json.Marshal: each gives "***"), nor does any error, event or log line of
// the library, which name a credential by its FieldName. The typed methods (CreateMember,
// UpdateMember, EnsureMember) send it through a private wire type; a body for Call must be
// written as JSON by the caller (json.Marshal of a NewMember gives "***", which the library
// refuses with ErrValidation rather than store it at MX).
type Credential struct {
	// FieldName is "login", "password" or "userkey".
	FieldName string `json:"field_name"`
	// Response is the credential's value.
	Response string `json:"response"`
}

// MarshalJSON encodes the field name and a mask, never the response, so that a JSON logger
// (slog's JSON handler given a []Credential, say) cannot write it out.
func (c Credential) MarshalJSON() ([]byte, error) {
	return json.Marshal(credentialWire{FieldName: c.FieldName, Response: "***"})
}

// credentialWire is a Credential as sent to MX, response included.
type credentialWire struct {
	FieldName string `json:"field_name"`
	Response  string `json:"response"`
}

// wireCredentials gives the credentials as sent (nil stays nil, so that omitempty drops it).
func wireCredentials(credentials []Credential) []credentialWire {
	if credentials == nil {
		return nil
	}
	wire := make([]credentialWire, len(credentials))
	for i, c := range credentials {
		wire[i] = credentialWire(c)
	}
	return wire
}

// newMemberWire is a NewMember as sent to MX: its own Credentials field, shallower than the
// embedded NewMember's, takes that field's place in the JSON (encoding/json's rule for
// embedded fields), with the responses.
type newMemberWire struct {
	NewMember
	Credentials []credentialWire `json:"credentials,omitempty"`
}

// wire gives the member as sent to MX.
func (m NewMember) wire() newMemberWire {
	return newMemberWire{NewMember: m, Credentials: wireCredentials(m.Credentials)}
}

// memberUpdate is the body of an Update member request, as sent to MX.
type memberUpdate struct {
	Credentials []credentialWire `json:"credentials,omitempty"`
}

// String shows the field name and a mask, never the response.
func (c Credential) String() string {
	return fmt.Sprintf("{FieldName:%s Response:***}", c.FieldName)
}

// GoString is String with the type name, for %#v.
func (c Credential) GoString() string {
	return fmt.Sprintf("mxsso.Credential{FieldName:%q, Response:\"***\"}", c.FieldName)
}

// Format prints String for every verb but %#v (GoString), so that no verb (%v, %+v, %s, %q,
// %x, ...) reaches the response, also inside a printed NewMember or slice.
func (c Credential) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, c.GoString())
		return
	}
	fmt.Fprint(f, c.String())
}

// LogValue shows the field name only, for log/slog.
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(slog.String("field_name", c.FieldName), slog.String("response", "***"))
}

// Member is a member as MX's responses describe it, decoded tolerantly: fields MX leaves out
// or sends as null keep their zero value. Its credentials are never returned by MX.
type Member struct {
	// GUID is MX's id for the member (MBR-...).
	GUID string `json:"guid"`
	// InstitutionGUID is MX's id of the member's institution (INS-...).
	InstitutionGUID string `json:"institution_guid"`
	// UserGUID is MX's id of the member's user (USR-...).
	UserGUID string `json:"user_guid"`
	// Name is the member's name.
	Name string `json:"name"`
	// Status is the status object of the response.
	Status StatusObject `json:"status"`
	// ExternalMemberGUID is your own id for the member.
	ExternalMemberGUID string `json:"external_member_guid"`
}
