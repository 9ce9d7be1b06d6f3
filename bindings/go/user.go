package mxsso

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// Status is a user's status as the Update user request takes it.
type Status string

// The statuses MX accepts.
const (
	// StatusEnabled lets the user sign in.
	StatusEnabled Status = "ENABLED"
	// StatusDisabled stops the user from signing in (MX's one recommended use of Update user).
	StatusDisabled Status = "DISABLED"
)

// Sex is a user's sex as the Create user and Update user requests take it. (Responses give an
// integer; see [User].)
type Sex string

// The values MX accepts.
const (
	// SexMale is "MALE".
	SexMale Sex = "MALE"
	// SexFemale is "FEMALE".
	SexFemale Sex = "FEMALE"
)

// UserUpdate is the body of an Update user request: one field per documented body field,
// tagged with MX's JSON name. Zero fields are left out, so only the fields set are changed (to
// send an empty string, use Call with JSON). The library checks every value before anything
// is sent (a bad one fails with [ErrValidation]). MX recommends changing only Status: profile
// data belongs to the user once created.
type UserUpdate struct {
	// Email is the user's email address.
	Email string `json:"email,omitempty"`
	// FirstName is the user's first name.
	FirstName string `json:"first_name,omitempty"`
	// LastName is the user's last name.
	LastName string `json:"last_name,omitempty"`
	// Phone is the user's phone number.
	Phone string `json:"phone,omitempty"`
	// Birthdate is an ISO 8601 calendar date, YYYY-MM-DD.
	Birthdate string `json:"birthdate,omitempty"`
	// Sex is SexMale or SexFemale.
	Sex Sex `json:"sex,omitempty"`
	// CreditScore is the user's credit score; nil leaves it out.
	CreditScore *int64 `json:"credit_score,omitempty"`
	// ZipCode is a US ZIP code (nnnnn or nnnnn-nnnn) or a Canadian postal code (ana nan).
	ZipCode string `json:"zip_code,omitempty"`
	// Status is StatusEnabled or StatusDisabled.
	Status Status `json:"status,omitempty"`
}

// NewUser repeats UserUpdate's profile fields rather than embedding a shared struct, so that
// both are written as flat literals (NewUser{ExternalUserGUID: "u", FirstName: "Julie"}); an
// embedded struct would have to be named in every literal. types_test.go checks that the two
// keep the same profile fields and JSON names.

// NewUser is the body of a Create user request, and of EnsureUser: the documented fields,
// tagged with MX's JSON names, zero fields left out. ExternalUserGUID (your own id for the
// user, not beginning with "USR-") is required (EnsureUser reads the user by it, and a create
// whose answer was lost is resolved by reading it back); a client with WithStrictFields(false)
// may leave it out of CreateUser, as MX tolerates for older integrations. A new user has no
// Status field: it starts ENABLED.
type NewUser struct {
	// ExternalUserGUID is your own id for the user.
	ExternalUserGUID string `json:"external_user_guid,omitempty"`
	// Email is the user's email address.
	Email string `json:"email,omitempty"`
	// FirstName is the user's first name.
	FirstName string `json:"first_name,omitempty"`
	// LastName is the user's last name.
	LastName string `json:"last_name,omitempty"`
	// Phone is the user's phone number.
	Phone string `json:"phone,omitempty"`
	// Birthdate is an ISO 8601 calendar date, YYYY-MM-DD.
	Birthdate string `json:"birthdate,omitempty"`
	// Sex is SexMale or SexFemale.
	Sex Sex `json:"sex,omitempty"`
	// CreditScore is the user's credit score; nil leaves it out.
	CreditScore *int64 `json:"credit_score,omitempty"`
	// ZipCode is a US ZIP code (nnnnn or nnnnn-nnnn) or a Canadian postal code (ana nan).
	ZipCode string `json:"zip_code,omitempty"`
}

// User is a user as MX's responses describe it, decoded tolerantly: fields MX leaves out or
// sends as null keep their zero value, and the documented quirks (an integer sex, a zip code
// sent as a number) are accepted.
type User struct {
	// GUID is MX's id for the user (USR-...).
	GUID string `json:"guid"`
	// ExternalGUID is the external_guid field of MX's responses.
	ExternalGUID string `json:"external_guid"`
	// ExternalUserGUID is the partner's own id for the user.
	ExternalUserGUID string `json:"external_user_guid"`
	// ClientGUID is the partner's client id (CLT-...).
	ClientGUID string `json:"client_guid"`
	// Email is the user's email address.
	Email string `json:"email"`
	// LoginToken is the token for signing the user in, as MX returns it.
	LoginToken string `json:"login_token"`
	// FirstName is the user's first name.
	FirstName string `json:"first_name"`
	// LastName is the user's last name.
	LastName string `json:"last_name"`
	// Phone is the user's phone number.
	Phone string `json:"phone"`
	// Birthday is the birth date of read and create responses ("" when null or absent).
	Birthday string `json:"birthday,omitempty"`
	// Age is what update responses show instead of Birthday; nil when absent or null.
	Age *int `json:"age,omitempty"`
	// Sex is MX's integer code for the user's sex (its examples suggest 0 = male and
	// 1 = female, which MX does not document); nil when absent or null.
	Sex *int `json:"sex"`
	// CreditScore is the user's credit score; nil when absent or null.
	CreditScore *int64 `json:"credit_score"`
	// ZipCode is the user's zip code, which MX may send as a JSON number.
	ZipCode ZipCode `json:"zip_code"`
	// LastLogin is the last sign-in date of read responses ("" when null or absent).
	LastLogin string `json:"last_login,omitempty"`
	// MasterWidgetURL is the URL of the master widget. MX says to use widget URLs as
	// returned, never to parse them.
	MasterWidgetURL string `json:"master_widget_url"`
	// AccountsWidgetURL is the URL of the accounts widget.
	AccountsWidgetURL string `json:"accounts_widget_url"`
	// BudgetsWidgetURL is the URL of the budgets widget.
	BudgetsWidgetURL string `json:"budgets_widget_url"`
	// DebtsWidgetURL is the URL of the debts widget.
	DebtsWidgetURL string `json:"debts_widget_url"`
	// NetWorthWidgetURL is the URL of the net worth widget.
	NetWorthWidgetURL string `json:"net_worth_widget_url"`
	// SpendingWidgetURL is the URL of the spending widget.
	SpendingWidgetURL string `json:"spending_widget_url"`
	// TransactionsWidgetURL is the URL of the transactions widget.
	TransactionsWidgetURL string `json:"transactions_widget_url"`
	// Status is the status object of the response.
	Status StatusObject `json:"status"`
}

// The login material of a User (LoginToken, and the widget URLs, which carry the token) opens
// the user's MoneyDesktop session: it belongs in the user's browser, never in a log. Every
// print of a User masks it (fmt's verbs, String, GoString, log/slog); only JSON encoding keeps
// it, as MX sent it.

// maskedUser is a User without its methods, so that printing it does not recurse.
type maskedUser User

// masked gives the user with every non-empty piece of login material replaced by "***".
func (u User) masked() maskedUser {
	for _, field := range []*string{&u.LoginToken, &u.MasterWidgetURL, &u.AccountsWidgetURL,
		&u.BudgetsWidgetURL, &u.DebtsWidgetURL, &u.NetWorthWidgetURL, &u.SpendingWidgetURL,
		&u.TransactionsWidgetURL} {
		if *field != "" {
			*field = "***"
		}
	}
	return maskedUser(u)
}

// String shows the user as %+v does, login material masked.
func (u User) String() string {
	return fmt.Sprintf("%+v", u.masked())
}

// GoString shows the user as %#v does, login material masked.
func (u User) GoString() string {
	return "mxsso.User" + strings.TrimPrefix(fmt.Sprintf("%#v", u.masked()), "mxsso.maskedUser")
}

// Format prints the user with its login material masked, for every verb and flag (%v, %+v,
// %#v, %s, ...), also inside a printed slice or struct.
func (u User) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, u.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), u.masked())
}

// LogValue shows the user with its login material masked, for log/slog (its JSON handler
// would otherwise encode the token and the URLs).
func (u User) LogValue() slog.Value {
	return slog.AnyValue(u.masked())
}

// StatusObject is the status object of MX's user and member responses, such as
// {"status": 1, "name": "ENABLED", "message": ""} on a read or
// {"status": 2, "name": "User update succeeded", "message": ""} on an update.
// MX documents no table of its codes.
type StatusObject struct {
	// Code is the object's integer "status" field.
	Code int `json:"status"`
	// Name is the object's "name" field: a status name or an outcome text.
	Name string `json:"name"`
	// Message is the object's "message" field, often empty.
	Message string `json:"message"`
}

// UnmarshalJSON accepts the object, null (the zero object) or, tolerating a server that sends
// the bare name, a string (Name).
func (s *StatusObject) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		*s = StatusObject{}
		return nil
	case len(data) > 0 && data[0] == '"':
		*s = StatusObject{}
		return json.Unmarshal(data, &s.Name)
	}
	type plain StatusObject // without this method
	var object plain
	if err := json.Unmarshal(data, &object); err != nil {
		return err
	}
	*s = StatusObject(object)
	return nil
}

// ZipCode is a zip or postal code decoded from a JSON string or number (MX's examples show
// 12345 as a number). A number loses any leading zero the server dropped.
type ZipCode string

// UnmarshalJSON accepts a string, a number (kept as written) or null (the empty code).
func (z *ZipCode) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		*z = ""
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*z = ZipCode(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("zip_code is neither a string nor a number: %s", data)
	}
	*z = ZipCode(n.String())
	return nil
}
