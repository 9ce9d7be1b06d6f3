//! MX's documented behaviour of the SSO v2 user resource, over real HTTP.

mod common;
use common::*;
use serde_json::{json, Value};

const READ_FIELDS: &[&str] = &[
    "guid",
    "external_guid",
    "external_user_guid",
    "client_guid",
    "email",
    "login_token",
    "first_name",
    "last_name",
    "phone",
    "birthday",
    "sex",
    "credit_score",
    "zip_code",
    "last_login",
    "master_widget_url",
    "accounts_widget_url",
    "budgets_widget_url",
    "debts_widget_url",
    "net_worth_widget_url",
    "spending_widget_url",
    "transactions_widget_url",
    "status",
];

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(fields: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    k.sort();
    k
}

fn create(emu: &Emulator, body: &str) -> Resp {
    call(
        emu,
        "POST",
        &format!("/user?{}", auth(emu)),
        JSON,
        Some(body),
    )
    .expect("an answer")
}

#[test]
fn create_then_read_shows_mx_read_shape() {
    let emu = start();
    let created = create(
        &emu,
        r#"{"external_user_guid":"ext-1","email":"julie@example.com","first_name":"Julie",
            "last_name":"West","phone":"9015559990","birthdate":"1992-03-28","sex":"FEMALE",
            "zip_code":"12345","credit_score":790}"#,
    );
    assert_eq!(created.status, 200);
    assert_eq!(created.header("content-type"), Some("application/json"));
    let user = created.json();
    assert_eq!(keys(&user), sorted(READ_FIELDS));
    let guid = user["guid"].as_str().unwrap().to_string();
    assert!(guid.starts_with("USR-"), "{guid}");

    for id in [guid.as_str(), "ext-1"] {
        let read = get_user(&emu, id);
        assert_eq!(read.status, 200);
        assert_eq!(read.header("content-type"), Some("application/json"));
        let v = read.json();
        assert_eq!(keys(&v), sorted(READ_FIELDS));
        assert_eq!(v["guid"], guid.as_str());
        assert_eq!(v["external_guid"], "ext-1");
        assert_eq!(v["external_user_guid"], "ext-1");
        assert_eq!(v["client_guid"], emu.client_guid());
        assert_eq!(v["email"], "julie@example.com");
        assert_eq!(v["birthday"], "1992-03-28");
        assert_eq!(v["sex"], 1, "FEMALE is 1");
        assert_eq!(v["credit_score"], 790);
        assert_eq!(v["zip_code"], 12345, "a plain ZIP shows as a number");
        assert_eq!(
            v["status"],
            json!({"status": 1, "name": "ENABLED", "message": ""})
        );
        assert!(!v["login_token"].as_str().unwrap().is_empty());
        for widget in [
            "master",
            "accounts",
            "budgets",
            "debts",
            "net_worth",
            "spending",
            "transactions",
        ] {
            let url = v[format!("{widget}_widget_url")].as_str().unwrap();
            assert!(
                url.starts_with(&format!("https://widgets.moneydesktop.com/raja/{widget}?")),
                "{url}"
            );
        }
    }
    assert_eq!(emu.get_user("ext-1").unwrap()["guid"], guid.as_str());
}

#[test]
fn update_answers_with_mx_update_shape_and_changes_state() {
    let emu = start();
    emu.seed_user(json!({"external_user_guid": "ext-2", "birthdate": "2000-01-01", "sex": "MALE"}))
        .unwrap();
    let resp = put_user(&emu, "ext-2", r#"{"status":"DISABLED"}"#);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    let v = resp.json();
    let mut expected: Vec<&str> = READ_FIELDS
        .iter()
        .copied()
        .filter(|f| *f != "birthday" && *f != "last_login")
        .collect();
    expected.push("age");
    assert_eq!(keys(&v), sorted(&expected));
    assert_eq!(
        v["status"],
        json!({"status": 2, "name": "User update succeeded", "message": ""})
    );
    assert!(v["age"].as_u64().unwrap() >= 25);
    assert_eq!(v["sex"], 0, "MALE is 0");

    let read = get_user(&emu, "ext-2").json();
    assert_eq!(
        read["status"],
        json!({"status": 0, "name": "DISABLED", "message": ""})
    );

    let resp = put_user(
        &emu,
        "ext-2",
        r#"{"status":"ENABLED","email":"a@b.c","first_name":"A","last_name":"B","phone":"1",
            "birthdate":"1990-02-28","sex":"FEMALE","credit_score":-3,"zip_code":"K1A 0B1"}"#,
    );
    assert_eq!(resp.status, 200);
    let read = emu.get_user("ext-2").unwrap();
    assert_eq!(read["status"]["name"], "ENABLED");
    assert_eq!(read["email"], "a@b.c");
    assert_eq!(read["birthday"], "1990-02-28");
    assert_eq!(read["sex"], 1);
    assert_eq!(read["credit_score"], -3);
    assert_eq!(
        read["zip_code"], "K1A 0B1",
        "a Canadian code stays a string"
    );

    // An empty object changes nothing and still succeeds: no field is required.
    assert_eq!(put_user(&emu, "ext-2", "{}").status, 200);
}

#[test]
fn reserved_characters_in_an_external_guid_are_one_path_segment() {
    let emu = start();
    let guid = emu.add_user("a/b c?d#e").unwrap();
    let encoded = "a%2Fb%20c%3Fd%23e";
    let read = get_user(&emu, encoded);
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["guid"], guid.as_str());
    let resp = put_user(&emu, encoded, r#"{"status":"DISABLED"}"#);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["external_user_guid"], "a/b c?d#e");
    // Unencoded, the slash makes another path: MX's "wrong URL" answer.
    let resp = put_user(&emu, "a/b", r#"{"status":"DISABLED"}"#);
    assert_eq!(resp.status, 404);
    assert!(resp.body.is_empty());
}

#[test]
fn unknown_user_is_400_with_mx_text() {
    let emu = start();
    for method in ["GET", "PUT", "DELETE"] {
        let resp = call(
            &emu,
            method,
            &format!("/user/USR-nope?{}", auth(&emu)),
            JSON,
            (method == "PUT").then_some(r#"{"status":"DISABLED"}"#),
        )
        .unwrap();
        assert_eq!(resp.status, 400, "{method}");
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(resp.error_text(), "User with guid USR-nope not found.");
    }
    let resp = put_user(&emu, "x%2Fy", r#"{"status":"DISABLED"}"#);
    assert_eq!(resp.error_text(), "User with guid x/y not found.");
}

#[test]
fn create_errors_use_mx_texts() {
    let emu = start();
    let resp = create(&emu, r#"{"external_user_guid":"USR-123"}"#);
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_text(), "Invalid format for external user guid.");

    assert_eq!(create(&emu, r#"{"external_user_guid":"dup"}"#).status, 200);
    let resp = create(&emu, r#"{"external_user_guid":"dup"}"#);
    assert_eq!(resp.status, 400);
    assert_eq!(resp.error_text(), "User already exists with guid dup");
    assert_eq!(emu.user_count(), 1);

    // Backward compatibility: no external guid at all is accepted.
    let resp = create(&emu, r#"{"email":"x@example.com"}"#);
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["external_user_guid"], Value::Null);
}

#[test]
fn wrong_or_missing_client_is_500_with_mx_text() {
    let emu = start();
    emu.add_user("ext").unwrap();
    for query in [
        format!("k={}&c=CLT-other", emu.api_key()),
        format!("k={}", emu.api_key()),
    ] {
        let resp = call(
            &emu,
            "PUT",
            &format!("/user/ext?{query}"),
            JSON,
            Some(r#"{"status":"DISABLED"}"#),
        )
        .unwrap();
        assert_eq!(resp.status, 500);
        assert_eq!(
            resp.error_text(),
            "Create user failed: Client must be associated."
        );
    }
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "ENABLED");
}

#[test]
fn external_client_guid_is_accepted_as_c() {
    let emu = Emulator::start(Config {
        external_client_guid: Some("bank-client-7".into()),
        ..Config::default()
    })
    .unwrap();
    emu.add_user("ext").unwrap();
    let resp = call(
        &emu,
        "GET",
        &format!("/user/ext?k={}&c=bank-client-7", emu.api_key()),
        None,
        None,
    )
    .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["client_guid"], emu.client_guid());
}

#[test]
fn wrong_or_missing_key_gets_no_answer_at_all() {
    let emu = start();
    emu.add_user("ext").unwrap();
    for query in [
        format!("k=wrong&c={}", emu.client_guid()),
        format!("c={}", emu.client_guid()),
        String::new(),
    ] {
        let mut conn = Conn::open(emu.addr());
        conn.send_raw(&build_request(
            "PUT",
            &format!("/user/ext?{query}"),
            JSON,
            Some(r#"{"status":"DISABLED"}"#),
            &[],
        ));
        assert!(conn.closed_without_bytes(), "query {query:?}");
    }
    // Even for a wrong path: the key is checked first.
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&build_request("GET", "/nope?k=wrong", None, None, &[]));
    assert!(conn.closed_without_bytes());
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "ENABLED");
    let log = emu.request_log();
    assert_eq!(log.len(), 4);
    assert!(log
        .iter()
        .all(|r| r.outcome == mx_sso_emulator::Outcome::NoAnswerBadKey && r.status.is_none()));
}

#[test]
fn wrong_paths_are_404_without_body() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let a = auth(&emu);
    for (method, target) in [
        ("GET", format!("/users/ext?{a}")),
        ("GET", format!("/user/ext/?{a}")),
        ("GET", format!("/user/?{a}")),
        ("GET", format!("/user?{a}")),
        ("POST", format!("/user/ext?{a}")),
        ("PATCH", format!("/user/ext?{a}")),
        ("GET", format!("/api/v2/user/ext?{a}")),
        ("GET", format!("/?{a}")),
    ] {
        let resp = call(&emu, method, &target, JSON, Some("{}")).unwrap();
        assert_eq!(resp.status, 404, "{method} {target}");
        assert!(resp.body.is_empty(), "{method} {target}");
        assert_eq!(resp.header("content-type"), None);
    }
}

#[test]
fn put_and_post_without_json_content_type_are_404_without_body() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let body = Some(r#"{"status":"DISABLED"}"#);
    for ct in [
        None,
        Some("text/plain"),
        Some("application/jsonx"),
        Some(""),
    ] {
        for (method, path) in [("PUT", "/user/ext"), ("POST", "/user")] {
            let resp = call(&emu, method, &format!("{path}?{}", auth(&emu)), ct, body).unwrap();
            assert_eq!(resp.status, 404, "{method} with {ct:?}");
            assert!(resp.body.is_empty());
        }
    }
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "ENABLED");
    for ct in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/json;charset=UTF-8",
    ] {
        let resp = call(
            &emu,
            "PUT",
            &format!("/user/ext?{}", auth(&emu)),
            Some(ct),
            body,
        )
        .unwrap();
        assert_eq!(resp.status, 200, "{ct}");
    }
}

#[test]
fn update_body_validation() {
    let emu = start();
    emu.add_user("ext").unwrap();
    let cases: &[(&str, &str)] = &[
        (r#"{"sex":"male"}"#, "Sex must be MALE or FEMALE."),
        (r#"{"sex":0}"#, "Sex must be MALE or FEMALE."),
        (
            r#"{"status":"disabled"}"#,
            "Status must be ENABLED or DISABLED.",
        ),
        (r#"{"status":null}"#, "Status must be ENABLED or DISABLED."),
        (r#"{"zip_code":"1234"}"#, "Invalid format for zip code."),
        (r#"{"zip_code":"12345-12"}"#, "Invalid format for zip code."),
        (r#"{"zip_code":"K1A0B1"}"#, "Invalid format for zip code."),
        (r#"{"zip_code":12345}"#, "Invalid format for zip code."),
        (
            r#"{"credit_score":"700"}"#,
            "Credit score must be an integer.",
        ),
        (
            r#"{"credit_score":700.5}"#,
            "Credit score must be an integer.",
        ),
        (
            r#"{"birthdate":"1992-02-30"}"#,
            "Invalid format for birthdate.",
        ),
        (
            r#"{"birthdate":"28/03/1992"}"#,
            "Invalid format for birthdate.",
        ),
        (r#"{"email":5}"#, "Invalid format for email."),
        (r#"{"first_name":null}"#, "Invalid format for first name."),
        (
            r#"{"stauts":"DISABLED"}"#,
            "Unknown attribute 'stauts' for user.",
        ),
        (
            r#"{"external_user_guid":"x"}"#,
            "Unknown attribute 'external_user_guid' for user.",
        ),
        (r#"["status"]"#, "Request body must be a JSON object."),
        (r#""DISABLED""#, "Request body must be a JSON object."),
        (r#"{"status":"DISABLED""#, "Request body is not valid JSON."),
        ("", "Request body is not valid JSON."),
    ];
    for (body, text) in cases {
        let resp = put_user(&emu, "ext", body);
        assert_eq!(resp.status, 400, "{body}");
        assert_eq!(resp.error_text(), *text, "{body}");
    }
    // Nothing was applied, even from bodies whose other fields were valid.
    let resp = put_user(&emu, "ext", r#"{"status":"DISABLED","sex":"x"}"#);
    assert_eq!(resp.status, 400);
    assert_eq!(emu.get_user("ext").unwrap()["status"]["name"], "ENABLED");
}

#[test]
fn create_body_validation() {
    let emu = start();
    for (body, text) in [
        (
            r#"{"external_user_guid":5}"#,
            "Invalid format for external user guid.",
        ),
        (
            r#"{"external_user_guid":"x","status":"DISABLED"}"#,
            "Unknown attribute 'status' for user.",
        ),
        (
            r#"{"external_user_guid":"x","zip_code":"abc"}"#,
            "Invalid format for zip code.",
        ),
        (
            r#"{"external_user_guid":"x","guid":"USR-1"}"#,
            "Unknown attribute 'guid' for user.",
        ),
        ("[]", "Request body must be a JSON object."),
    ] {
        let resp = create(&emu, body);
        assert_eq!(resp.status, 400, "{body}");
        assert_eq!(resp.error_text(), text, "{body}");
    }
    assert_eq!(emu.user_count(), 0);
}

#[test]
fn delete_removes_the_user() {
    let emu = start();
    let guid = emu.add_user("ext").unwrap();
    let resp = call(
        &emu,
        "DELETE",
        &format!("/user/{guid}?{}", auth(&emu)),
        None,
        None,
    )
    .unwrap();
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    assert_eq!(get_user(&emu, "ext").status, 400);
    assert!(emu.get_user(&guid).is_none());
    // The external guid is free again.
    emu.add_user("ext").unwrap();
}

#[test]
fn zip_codes_render_as_mx_examples_do() {
    let emu = start();
    for (zip, expected) in [
        ("12345", json!(12345)),
        ("01234", json!("01234")),
        ("12345-6789", json!("12345-6789")),
        ("k1a 0b1", json!("k1a 0b1")),
    ] {
        let ext = format!("zip-{zip}");
        emu.seed_user(json!({"external_user_guid": ext, "zip_code": zip}))
            .unwrap();
        assert_eq!(
            get_user(&emu, &ext.replace(' ', "%20")).json()["zip_code"],
            expected
        );
    }
}

#[test]
fn seeded_users_keep_a_fixed_guid_and_status() {
    let emu = Emulator::start(Config {
        seed_users: vec![json!({
            "guid": "USR-fixed-1",
            "external_user_guid": "bank-user-1001",
            "status": "DISABLED",
            "first_name": "Julie"
        })],
        ..Config::default()
    })
    .unwrap();
    let v = get_user(&emu, "USR-fixed-1").json();
    assert_eq!(v["external_user_guid"], "bank-user-1001");
    assert_eq!(v["status"]["name"], "DISABLED");
    assert_eq!(v["first_name"], "Julie");
    let err = Emulator::start(Config {
        seed_users: vec![json!({"external_user_guid": "USR-bad"})],
        ..Config::default()
    })
    .unwrap_err();
    assert!(err
        .to_string()
        .contains("Invalid format for external user guid."));
}
