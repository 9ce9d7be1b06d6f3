package mxsso

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"time"
)

// MX's documented response examples (reference §4 read user, §5 update user), and the
// variants the emulator and MX's inconsistencies produce.
const (
	mxUpdateExample = `{"guid": "USR-fbbd4b3b-1f97-4cd1-1a5c-1a1e5f2e9fbe",
	  "external_guid": "partner_user_guid_1", "external_user_guid": "partner_user_guid_1",
	  "client_guid": "CLT-abcd", "email": "totally.fake.email@notreal.com",
	  "login_token": "x3Ggi3wbXtOYNFq1", "first_name": "Julie", "last_name": "West",
	  "phone": "9015559990", "age": 23, "sex": 1, "credit_score": 790, "zip_code": 12345,
	  "master_widget_url": "https://widgets.moneydesktop.com/raja/master?token=t",
	  "accounts_widget_url": "https://widgets.moneydesktop.com/raja/accounts?token=t",
	  "budgets_widget_url": "https://widgets.moneydesktop.com/raja/budgets?token=t",
	  "debts_widget_url": "https://widgets.moneydesktop.com/raja/debts?token=t",
	  "net_worth_widget_url": "https://widgets.moneydesktop.com/raja/net_worth?token=t",
	  "spending_widget_url": "https://widgets.moneydesktop.com/raja/spending?token=t",
	  "transactions_widget_url": "https://widgets.moneydesktop.com/raja/transactions?token=t",
	  "status": {"status": 2, "name": "User update succeeded", "message": ""}}`
	mxReadExample = `{"guid": "USR-1", "external_guid": "u1", "external_user_guid": "u1",
	  "client_guid": "CLT-abcd", "email": "richard@example.com", "login_token": "tok",
	  "first_name": "Richard", "last_name": "Roe", "phone": "555", "birthday": null, "sex": 0,
	  "credit_score": null, "zip_code": 12345, "last_login": "2012-01-01",
	  "status": {"status": 1, "name": "ENABLED", "message": ""}}`
)

func TestUserDecoding(t *testing.T) {
	intp := func(v int) *int { return &v }
	int64p := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		name    string
		json    string
		check   func(t *testing.T, u User)
		wantErr bool
	}{
		{name: "MX update example", json: mxUpdateExample, check: func(t *testing.T, u User) {
			want := User{
				GUID: "USR-fbbd4b3b-1f97-4cd1-1a5c-1a1e5f2e9fbe", ExternalGUID: "partner_user_guid_1",
				ExternalUserGUID: "partner_user_guid_1", ClientGUID: "CLT-abcd",
				Email: "totally.fake.email@notreal.com", LoginToken: "x3Ggi3wbXtOYNFq1",
				FirstName: "Julie", LastName: "West", Phone: "9015559990",
				ZipCode:               "12345",
				MasterWidgetURL:       "https://widgets.moneydesktop.com/raja/master?token=t",
				AccountsWidgetURL:     "https://widgets.moneydesktop.com/raja/accounts?token=t",
				BudgetsWidgetURL:      "https://widgets.moneydesktop.com/raja/budgets?token=t",
				DebtsWidgetURL:        "https://widgets.moneydesktop.com/raja/debts?token=t",
				NetWorthWidgetURL:     "https://widgets.moneydesktop.com/raja/net_worth?token=t",
				SpendingWidgetURL:     "https://widgets.moneydesktop.com/raja/spending?token=t",
				TransactionsWidgetURL: "https://widgets.moneydesktop.com/raja/transactions?token=t",
				Status:                StatusObject{Code: 2, Name: "User update succeeded"},
			}
			if *u.Age != 23 || *u.Sex != 1 || *u.CreditScore != 790 {
				t.Errorf("age/sex/credit score = %d/%d/%d", *u.Age, *u.Sex, *u.CreditScore)
			}
			u.Age, u.Sex, u.CreditScore = nil, nil, nil
			if u != want {
				t.Errorf("got  %+v\nwant %+v", u, want)
			}
		}},
		{name: "MX read example", json: mxReadExample, check: func(t *testing.T, u User) {
			if u.Birthday != "" || u.Age != nil || u.CreditScore != nil || u.Sex == nil || *u.Sex != 0 {
				t.Errorf("nulls/sex: %+v", u)
			}
			if u.LastLogin != "2012-01-01" || u.ZipCode != "12345" || u.Status != (StatusObject{1, "ENABLED", ""}) {
				t.Errorf("got %+v", u)
			}
		}},
		{name: "zip+4 as string", json: `{"zip_code": "12345-6789"}`, check: func(t *testing.T, u User) {
			if u.ZipCode != "12345-6789" {
				t.Errorf("ZipCode = %q", u.ZipCode)
			}
		}},
		{name: "Canadian postal code", json: `{"zip_code": "K1A 0B1"}`, check: func(t *testing.T, u User) {
			if u.ZipCode != "K1A 0B1" {
				t.Errorf("ZipCode = %q", u.ZipCode)
			}
		}},
		{name: "zip null, status disabled", json: `{"zip_code": null, "birthday": "1992-03-28", "credit_score": 700,
			"status": {"status": 0, "name": "DISABLED", "message": ""}}`, check: func(t *testing.T, u User) {
			if u.ZipCode != "" || u.Birthday != "1992-03-28" || *u.CreditScore != *int64p(700) ||
				u.Status.Name != "DISABLED" {
				t.Errorf("got %+v", u)
			}
		}},
		{name: "unknown fields ignored", json: `{"guid": "USR-2", "new_field": {"a": [1]}, "sex": 1}`, check: func(t *testing.T, u User) {
			if u.GUID != "USR-2" || *u.Sex != *intp(1) {
				t.Errorf("got %+v", u)
			}
		}},
		{name: "empty object", json: `{}`, check: func(t *testing.T, u User) {
			if u != (User{}) {
				t.Errorf("got %+v", u)
			}
		}},
		{name: "zip as object", json: `{"zip_code": {"x": 1}}`, wantErr: true},
		{name: "sex as text", json: `{"sex": "MALE"}`, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var u User
			err := json.Unmarshal([]byte(tc.json), &u)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("decoded %+v, want an error", u)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, u)
		})
	}
}

func TestUserUpdateMarshalsOnlyFieldsSet(t *testing.T) {
	zero := int64(0)
	for _, tc := range []struct {
		update UserUpdate
		want   string
	}{
		{UserUpdate{}, `{}`},
		{UserUpdate{Status: StatusDisabled}, `{"status":"DISABLED"}`},
		{UserUpdate{CreditScore: &zero}, `{"credit_score":0}`},
		{UserUpdate{Email: "a@b.c", FirstName: "A", LastName: "B", Phone: "1", Birthdate: "1992-03-28",
			Sex: SexFemale, ZipCode: "12345", Status: StatusEnabled},
			`{"email":"a@b.c","first_name":"A","last_name":"B","phone":"1","birthdate":"1992-03-28","sex":"FEMALE","zip_code":"12345","status":"ENABLED"}`},
	} {
		got, err := json.Marshal(tc.update)
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tc.update, got, err, tc.want)
		}
	}
}

func TestOptionsMarshalOnlyOptionsSet(t *testing.T) {
	t.Setenv("MX_SSO_BASE_URL", "")
	t.Setenv("MX_SSO_API_KEY", "")
	t.Setenv("MX_SSO_CLIENT_GUID", "")
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{nil, `{}`},
		{[]Option{WithBaseURL("http://127.0.0.1:9"), WithTimeout(2 * time.Second), WithMaxRetries(0)},
			`{"base_url":"http://127.0.0.1:9","timeout_ms":2000,"max_retries":0}`},
		{[]Option{WithConnectTimeout(1500 * time.Microsecond), WithProxy(""), WithCAFile("/ca.pem"),
			WithUserAgent("ua"), WithMaxResponseBytes(10), WithAllowInsecureHTTP(false), WithStrictFields(true),
			WithLogger(slog.Default())},
			`{"connect_timeout_ms":2,"proxy":"","ca_file":"/ca.pem","user_agent":"ua","max_response_bytes":10,"allow_insecure_http":false,"strict_fields":true}`},
		{[]Option{WithCredentials("k", "CLT-1")}, `{"api_key":"k","client_guid":"CLT-1"}`},
	} {
		o := newOptions(tc.opts)
		got, err := json.Marshal(&o)
		if err != nil || string(got) != tc.want {
			t.Errorf("options = %s, %v; want %s", got, err, tc.want)
		}
	}

	// The base URL and credentials not given come from the environment, each on its own.
	t.Setenv("MX_SSO_BASE_URL", "https://env.example")
	o := newOptions([]Option{WithBaseURL("https://option.example")})
	if got, _ := json.Marshal(&o); string(got) != `{"base_url":"https://option.example"}` {
		t.Errorf("WithBaseURL over the environment: %s", got)
	}
	t.Setenv("MX_SSO_BASE_URL", "")
	t.Setenv("MX_SSO_API_KEY", "env-key")
	t.Setenv("MX_SSO_CLIENT_GUID", "CLT-env")
	o = newOptions(nil)
	if got, _ := json.Marshal(&o); string(got) != `{"api_key":"env-key","client_guid":"CLT-env"}` {
		t.Errorf("from the environment: %s", got)
	}
	o = newOptions([]Option{WithCredentials("k", "CLT-1")})
	if got, _ := json.Marshal(&o); string(got) != `{"api_key":"k","client_guid":"CLT-1"}` {
		t.Errorf("WithCredentials over the environment: %s", got)
	}
	if o.timeout() != defaultTimeout || newOptions([]Option{WithTimeout(time.Second)}).timeout() != time.Second {
		t.Errorf("timeout() does not follow WithTimeout")
	}
}

func TestMemberDecoding(t *testing.T) {
	const example = `{"guid": "MBR-1", "institution_guid": "INS-1", "user_guid": "USR-1", "name": "Checking",
	  "status": {"status": 1, "name": "ENABLED", "message": ""}, "external_member_guid": "m-1"}`
	var m Member
	if err := json.Unmarshal([]byte(example), &m); err != nil {
		t.Fatal(err)
	}
	want := Member{GUID: "MBR-1", InstitutionGUID: "INS-1", UserGUID: "USR-1", Name: "Checking",
		Status: StatusObject{Code: 1, Name: "ENABLED"}, ExternalMemberGUID: "m-1"}
	if m != want {
		t.Errorf("got %+v", m)
	}
	for text, status := range map[string]StatusObject{
		`{"name": null, "status": null, "external_member_guid": null}`: {},
		`{"status": "ENABLED"}`:                         {Name: "ENABLED"},
		`{"status": {"status": 2, "extra": [1]}}`:       {Code: 2},
		`{"status": {"name": "DISABLED", "status": 0}}`: {Name: "DISABLED"},
	} {
		var m Member
		if err := json.Unmarshal([]byte(text), &m); err != nil || m.Status != status || m.Name != "" {
			t.Errorf("%s: %+v, %v", text, m, err)
		}
	}
	if err := json.Unmarshal([]byte(`{"status": [1]}`), &m); err == nil {
		t.Errorf("a status array was accepted")
	}
}

func TestRequestBodiesMarshalOnlyFieldsSet(t *testing.T) {
	score := int64(0)
	for _, tc := range []struct {
		body any
		want string
	}{
		{NewUser{}, `{}`},
		{NewUser{ExternalUserGUID: "u", CreditScore: &score, Sex: SexMale},
			`{"external_user_guid":"u","sex":"MALE","credit_score":0}`},
		{NewMember{}.wire(), `{}`},
		{NewMember{Credentials: []Credential{}}.wire(), `{}`},
		{NewMember{UserGUID: "USR-1", ExternalUserGUID: "u", ExternalMemberGUID: "m", Name: "n", InstitutionGUID: "INS-1",
			Credentials: []Credential{{"userkey", "k"}}}.wire(),
			`{"user_guid":"USR-1","external_user_guid":"u","external_member_guid":"m","name":"n","institution_guid":"INS-1","credentials":[{"field_name":"userkey","response":"k"}]}`},
		{memberUpdate{}, `{}`},
		{memberUpdate{wireCredentials([]Credential{{"login", "l"}, {"password", ""}})},
			`{"credentials":[{"field_name":"login","response":"l"},{"field_name":"password","response":""}]}`},
	} {
		got, err := json.Marshal(tc.body)
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%T) = %s, %v; want %s", tc.body, got, err, tc.want)
		}
	}
}

// NewUser and UserUpdate repeat the same profile fields (see user.go): same names, types and
// JSON tags, in the same order; NewUser adds ExternalUserGUID, UserUpdate adds Status.
func TestNewUserAndUserUpdateShareTheProfileFields(t *testing.T) {
	profile := func(v any, own string) []string {
		var fields []string
		typ := reflect.TypeOf(v)
		for i := 0; i < typ.NumField(); i++ {
			if f := typ.Field(i); f.Name != own {
				fields = append(fields, fmt.Sprintf("%s %s %s", f.Name, f.Type, f.Tag))
			}
		}
		return fields
	}
	create, update := profile(NewUser{}, "ExternalUserGUID"), profile(UserUpdate{}, "Status")
	if !reflect.DeepEqual(create, update) || len(create) == 0 {
		t.Errorf("profile fields differ:\nNewUser    %v\nUserUpdate %v", create, update)
	}
}
