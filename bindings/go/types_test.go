package mxsso

import (
	"encoding/json"
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
				Status:                UserStatus{Code: 2, Name: "User update succeeded"},
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
			if u.LastLogin != "2012-01-01" || u.ZipCode != "12345" || u.Status != (UserStatus{1, "ENABLED", ""}) {
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
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{nil, `{}`},
		{[]Option{WithBaseURL("http://127.0.0.1:9"), WithTimeout(2 * time.Second), WithMaxRetries(0)},
			`{"base_url":"http://127.0.0.1:9","timeout_ms":2000,"max_retries":0}`},
		{[]Option{WithConnectTimeout(1500 * time.Microsecond), WithProxy(""), WithCAFile("/ca.pem"),
			WithUserAgent("ua"), WithMaxResponseBytes(10), WithAllowInsecureHTTP(false), WithStrictFields(true)},
			`{"connect_timeout_ms":2,"proxy":"","ca_file":"/ca.pem","user_agent":"ua","max_response_bytes":10,"allow_insecure_http":false,"strict_fields":true}`},
	} {
		var o options
		for _, opt := range tc.opts {
			opt(&o)
		}
		got, err := o.marshal()
		if err != nil || got != tc.want {
			t.Errorf("options = %s, %v; want %s", got, err, tc.want)
		}
	}
}
