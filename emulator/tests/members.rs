//! The member resource (`POST /member`, `GET|PUT|DELETE /member/{id}`) over real HTTP: MX's
//! documented texts and statuses, and the emulator's inferred ones (README: "Inferences").

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};

const MEMBER_FIELDS: &[&str] = &[
    "external_member_guid",
    "guid",
    "institution_guid",
    "name",
    "status",
    "user_guid",
];
const SECRET: &str = "s3cret-response-value";

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

fn post_member(emu: &Emulator, body: &Value) -> Resp {
    call(
        emu,
        "POST",
        &format!("/member?{}", auth(emu)),
        JSON,
        Some(&body.to_string()),
    )
    .expect("an answer")
}

fn member_req(emu: &Emulator, method: &str, id: &str, body: Option<&Value>) -> Option<Resp> {
    let body = body.map(Value::to_string);
    let ct = if body.is_some() { JSON } else { None };
    call(
        emu,
        method,
        &format!("/member/{id}?{}", auth(emu)),
        ct,
        body.as_deref(),
    )
}

fn userkey(secret: &str) -> Value {
    json!([{"field_name": "userkey", "response": secret}])
}

fn login_password(login: &str, password: &str) -> Value {
    json!([{"field_name": "login", "response": login},
           {"field_name": "password", "response": password}])
}

#[test]
fn create_member_by_external_user_guid_answers_mx_shape_without_credentials() {
    let emu = start();
    let user_guid = emu.add_user("235-XXXX-83").unwrap();
    let resp = post_member(
        &emu,
        &json!({"external_user_guid": "235-XXXX-83", "external_member_guid": "M-235-XXXX-83",
                "credentials": userkey(SECRET)}),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    let m = resp.json();
    assert_eq!(keys(&m), MEMBER_FIELDS);
    assert!(m["guid"].as_str().unwrap().starts_with("MBR-"), "{m}");
    assert!(m["institution_guid"].as_str().unwrap().starts_with("INS-"));
    assert_eq!(
        m["institution_guid"],
        mx_sso_emulator::DEFAULT_INSTITUTION_GUID
    );
    assert_eq!(m["user_guid"], user_guid.as_str());
    assert_eq!(m["name"], Value::Null);
    assert_eq!(m["external_member_guid"], "M-235-XXXX-83");
    assert_eq!(
        m["status"],
        json!({"status": 1, "name": "ENABLED", "message": ""})
    );
    assert!(!String::from_utf8_lossy(&resp.body).contains(SECRET));
    assert_eq!(emu.member_count(), 1);
    assert_eq!(
        emu.member_credentials("M-235-XXXX-83").unwrap(),
        vec![("userkey".to_string(), SECRET.to_string())]
    );
}

#[test]
fn create_member_by_user_guid_with_name_and_institution() {
    let emu = start();
    let user_guid = emu.add_user("u").unwrap();
    let resp = post_member(
        &emu,
        &json!({"user_guid": user_guid, "credentials": login_password("l", "p"),
                "name": "My bank", "institution_guid": "INS-abc"}),
    );
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let m = resp.json();
    assert_eq!(m["name"], "My bank");
    assert_eq!(m["institution_guid"], "INS-abc");
    assert_eq!(m["external_member_guid"], Value::Null);
    let guid = m["guid"].as_str().unwrap();
    assert_eq!(emu.get_member(guid).unwrap(), m);
}

#[test]
fn create_member_errors() {
    let emu = start();
    let user_guid = emu.add_user("u").unwrap();
    emu.add_member("u", "taken").unwrap();
    let creds = userkey("k");
    let cases: Vec<(Value, &str)> = vec![
        // Documented.
        (
            json!({"external_user_guid": "nobody", "credentials": creds}),
            "User with guid nobody not found.",
        ),
        (
            json!({"user_guid": "USR-none", "credentials": creds}),
            "User with guid USR-none not found.",
        ),
        (
            json!({"external_user_guid": "u", "external_member_guid": "MBR-1", "credentials": creds}),
            "Invalid format for external member guid",
        ),
        (
            json!({"external_user_guid": "u", "external_member_guid": "mbr-1", "credentials": creds}),
            "Invalid format for external member guid",
        ),
        // Inferred.
        (
            json!({"external_user_guid": "u", "external_member_guid": "taken", "credentials": creds}),
            "Member already exists with guid taken",
        ),
        (
            json!({"user_guid": user_guid, "external_user_guid": "u", "credentials": creds}),
            "Only one of user guid and external user guid may be given.",
        ),
        (
            json!({"credentials": creds}),
            "A user guid or an external user guid is required.",
        ),
        (
            json!({"external_user_guid": "u"}),
            "Credentials are required.",
        ),
        (
            json!({"external_user_guid": "u", "credentials": []}),
            "Credentials must be a non-empty array.",
        ),
        (
            json!({"external_user_guid": "u", "credentials": [{"field_name": "login", "response": "l"}]}),
            "Credentials must be login and password, or userkey alone.",
        ),
        (
            json!({"external_user_guid": "u", "credentials": [{"field_name": "userkey", "response": "k"},
                   {"field_name": "password", "response": "p"}]}),
            "Credentials must be login and password, or userkey alone.",
        ),
        (
            json!({"external_user_guid": "u", "credentials": [{"field_name": "userkey", "response": 5}]}),
            "Invalid format for credentials: each must be {\"field_name\": string, \"response\": string}.",
        ),
        (
            json!({"external_user_guid": "u", "credentials": creds, "stauts": 1}),
            "Unknown attribute 'stauts' for member.",
        ),
        (
            json!({"external_user_guid": "u", "credentials": creds, "name": null}),
            "Invalid format for name.",
        ),
        (
            json!({"external_user_guid": 7, "credentials": creds}),
            "Invalid format for external user guid.",
        ),
        (json!([1]), "Request body must be a JSON object."),
    ];
    for (body, text) in cases {
        let resp = post_member(&emu, &body);
        assert_eq!(resp.status, 400, "{body}");
        assert_eq!(resp.error_text(), text, "{body}");
    }
    assert_eq!(emu.member_count(), 1);
}

#[test]
fn read_update_delete_by_guid_and_external_guid() {
    let emu = start();
    emu.add_user("u").unwrap();
    let guid = emu.add_member("u", "ext m/1").unwrap();
    for id in [guid.as_str(), "ext%20m%2F1"] {
        let resp = member_req(&emu, "GET", id, None).unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(keys(&resp.json()), MEMBER_FIELDS);
        assert_eq!(resp.json()["guid"], guid.as_str());
    }
    let resp = member_req(
        &emu,
        "PUT",
        "ext%20m%2F1",
        Some(&json!({"credentials": login_password("new-login", SECRET)})),
    )
    .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["guid"], guid.as_str());
    assert!(!String::from_utf8_lossy(&resp.body).contains(SECRET));
    assert_eq!(
        emu.member_credentials(&guid).unwrap(),
        vec![
            ("login".to_string(), "new-login".to_string()),
            ("password".to_string(), SECRET.to_string())
        ]
    );
    for (body, text) in [
        (json!({}), "Credentials are required."),
        (
            json!({"credentials": userkey("k"), "name": "x"}),
            "Unknown attribute 'name' for member.",
        ),
        (
            json!({"credentials": [{"field_name": "pin", "response": "1"}]}),
            "Credentials must be login and password, or userkey alone.",
        ),
    ] {
        let resp = member_req(&emu, "PUT", &guid, Some(&body)).unwrap();
        assert_eq!((resp.status, resp.error_text().as_str()), (400, text));
    }
    let resp = member_req(&emu, "DELETE", &guid, None).unwrap();
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    assert_eq!(emu.member_count(), 0);
    // Documented: an unknown member is 500 "Member not found.", for every method.
    for (method, body) in [
        ("GET", None),
        ("DELETE", None),
        ("PUT", Some(json!({"credentials": userkey("k")}))),
        ("PUT", Some(json!({"bad": 1}))),
    ] {
        let resp = member_req(&emu, method, &guid, body.as_ref()).unwrap();
        assert_eq!(resp.status, 500, "{method}");
        assert_eq!(resp.error_text(), "Member not found.");
    }
    // The external member guid is free again.
    assert!(emu.add_member("u", "ext m/1").is_ok());
}

#[test]
fn deleting_a_user_deletes_its_members_only() {
    let emu = start();
    emu.add_user("a").unwrap();
    emu.add_user("b").unwrap();
    emu.add_member("a", "a-1").unwrap();
    emu.add_member("a", "a-2").unwrap();
    emu.add_member("b", "b-1").unwrap();
    let resp = call(
        &emu,
        "DELETE",
        &format!("/user/a?{}", auth(&emu)),
        None,
        None,
    )
    .unwrap();
    assert_eq!(resp.status, 204);
    assert_eq!(emu.member_count(), 1);
    assert!(emu.get_member("a-1").is_none());
    assert!(emu.get_member("b-1").is_some());
    assert_eq!(member_req(&emu, "GET", "a-2", None).unwrap().status, 500);
    // A new user with the same external guid does not inherit anything.
    emu.add_user("a").unwrap();
    assert!(emu.add_member("a", "a-1").is_ok());
}

#[test]
fn content_type_key_client_and_wrong_routes() {
    let emu = start();
    emu.add_user("u").unwrap();
    let guid = emu.add_member("u", "m").unwrap();
    let body = json!({"external_user_guid": "u", "credentials": userkey("k")}).to_string();
    // POST/PUT without application/json: 404, no body.
    for (method, target) in [
        ("POST", "/member".to_string()),
        ("PUT", format!("/member/{guid}")),
    ] {
        for ct in [None, Some("text/plain")] {
            let resp = call(
                &emu,
                method,
                &format!("{target}?{}", auth(&emu)),
                ct,
                Some(&body),
            )
            .unwrap();
            assert_eq!(resp.status, 404, "{method} {ct:?}");
            assert!(resp.body.is_empty());
        }
    }
    // Wrong or missing key: closed without a byte, nothing created.
    for q in [
        format!("k=bad&c={}", emu.client_guid()),
        format!("c={}", emu.client_guid()),
    ] {
        let mut conn = Conn::open(emu.addr());
        conn.send_raw(&build_request(
            "POST",
            &format!("/member?{q}"),
            JSON,
            Some(&body),
            &[],
        ));
        assert!(conn.closed_without_bytes());
    }
    assert_eq!(emu.member_count(), 1);
    let resp = call(
        &emu,
        "GET",
        &format!("/member/m?k={}&c=CLT-other", emu.api_key()),
        None,
        None,
    )
    .unwrap();
    assert_eq!(resp.status, 500);
    assert_eq!(
        resp.error_text(),
        "Create user failed: Client must be associated."
    );
    for (method, target) in [
        ("POST", "/member/m"),
        ("GET", "/member"),
        ("GET", "/member/"),
        ("GET", "/member/m/x"),
        ("PATCH", "/member/m"),
        ("GET", "/members/m"),
    ] {
        let resp = call(
            &emu,
            method,
            &format!("{target}?{}", auth(&emu)),
            JSON,
            Some("{}"),
        )
        .unwrap();
        assert_eq!(resp.status, 404, "{method} {target}");
        assert!(resp.body.is_empty());
    }
}

#[test]
fn concurrent_creates_of_one_external_guid_make_one_resource() {
    const THREADS: usize = 8;
    let emu = start();
    let statuses = |path: &'static str, body: Value| -> Vec<(u16, String)> {
        let barrier = std::sync::Barrier::new(THREADS);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..THREADS)
                .map(|_| {
                    s.spawn(|| {
                        let raw = build_request(
                            "POST",
                            &format!("{path}?{}", auth(&emu)),
                            JSON,
                            Some(&body.to_string()),
                            &[],
                        );
                        let mut conn = Conn::open(emu.addr());
                        barrier.wait();
                        conn.send_raw(&raw);
                        let resp = conn.read_response().unwrap();
                        let text = if resp.status == 200 {
                            String::new()
                        } else {
                            resp.error_text()
                        };
                        (resp.status, text)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };
    let users = statuses("/user", json!({"external_user_guid": "same"}));
    assert_eq!(
        users.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "{users:?}"
    );
    for (status, text) in users.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(
            (*status, text.as_str()),
            (400, "User already exists with guid same")
        );
    }
    assert_eq!(emu.user_count(), 1);
    let members = statuses(
        "/member",
        json!({"external_user_guid": "same", "external_member_guid": "same-m",
               "credentials": userkey("k")}),
    );
    assert_eq!(
        members.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "{members:?}"
    );
    for (status, text) in members.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(
            (*status, text.as_str()),
            (400, "Member already exists with guid same-m")
        );
    }
    assert_eq!(emu.member_count(), 1);
}

#[test]
fn process_then_close_on_create_member_creates_it() {
    let emu = start();
    emu.add_user("u").unwrap();
    emu.push_targeted_fault(Fault::ProcessThenClose, Some("POST"), Some("/member"), 1);
    let body = json!({"external_user_guid": "u", "external_member_guid": "m",
                      "credentials": userkey("k")});
    let mut conn = Conn::open(emu.addr());
    conn.send_raw(&build_request(
        "POST",
        &format!("/member?{}", auth(&emu)),
        JSON,
        Some(&body.to_string()),
        &[],
    ));
    assert!(conn.closed_without_bytes());
    assert_eq!(member_req(&emu, "GET", "m", None).unwrap().status, 200);
    assert_eq!(post_member(&emu, &body).status, 400);
}

#[test]
fn seeding_members_by_config_and_control_endpoint() {
    let emu = Emulator::start(Config {
        seed_users: vec![json!({"guid": "USR-1", "external_user_guid": "u"})],
        seed_members: vec![json!({"guid": "MBR-1", "user_guid": "USR-1",
                                  "external_member_guid": "m1", "credentials": userkey("k")})],
        ..Config::default()
    })
    .unwrap();
    assert_eq!(emu.get_member("m1").unwrap()["guid"], "MBR-1");
    let resp = call(
        &emu,
        "POST",
        "/_emulator/members",
        None,
        Some(
            &json!({"external_user_guid": "u", "external_member_guid": "m2",
                     "credentials": login_password("l", "p")})
            .to_string(),
        ),
    )
    .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["user_guid"], "USR-1");
    let resp = call(&emu, "GET", "/_emulator/members/m2", None, None).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["external_member_guid"], "m2");
    assert!(!String::from_utf8_lossy(&resp.body).contains("\"p\""));
    assert_eq!(
        call(&emu, "GET", "/_emulator/members/none", None, None)
            .unwrap()
            .status,
        404
    );
    let resp = call(
        &emu,
        "POST",
        "/_emulator/members",
        None,
        Some(r#"{"guid":"x"}"#),
    )
    .unwrap();
    assert_eq!(resp.status, 400);
    let bad = Emulator::start(Config {
        seed_members: vec![json!({"external_user_guid": "nobody", "credentials": userkey("k")})],
        ..Config::default()
    });
    assert!(bad.unwrap_err().to_string().contains("seed member #1"));
}

#[test]
fn credentials_never_reach_the_request_log() {
    let emu = start();
    emu.add_user("u").unwrap();
    post_member(
        &emu,
        &json!({"external_user_guid": "u", "external_member_guid": "m",
                "credentials": login_password("login-value", SECRET)}),
    );
    member_req(
        &emu,
        "PUT",
        "m",
        Some(&json!({"credentials": userkey(SECRET)})),
    );
    let log = emu.request_log();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str()),
        ("POST", "/member")
    );
    assert_eq!(
        (log[1].method.as_str(), log[1].path.as_str()),
        ("PUT", "/member/m")
    );
    let text = format!(
        "{log:?} {}",
        call(&emu, "GET", "/_emulator/log", None, None)
            .unwrap()
            .json()
    );
    assert!(
        !text.contains(SECRET) && !text.contains("login-value"),
        "{text}"
    );
}

struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn cli_seeds_members_and_logs_no_credentials() {
    let dir = std::env::temp_dir().join(format!("mx-emu-members-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let seed = dir.join("seed.json");
    std::fs::write(
        &seed,
        json!({"users": [{"guid": "USR-s1", "external_user_guid": "bank-1"}],
               "members": [{"external_user_guid": "bank-1", "external_member_guid": "M-bank-1",
                            "credentials": userkey(SECRET)}]})
        .to_string(),
    )
    .unwrap();
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_mx-sso-emulator"))
            .args([
                "--log",
                "--api-key",
                "cli-key",
                "--client",
                "CLT-cli",
                "--seed",
            ])
            .arg(&seed)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut url = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let addr = url.trim().trim_start_matches("http://").parse().unwrap();
    let mut conn = Conn::open(addr);
    let resp = conn
        .request("GET", "/member/M-bank-1?k=cli-key&c=CLT-cli", None, None)
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["user_guid"], "USR-s1");
    let body = json!({"credentials": login_password("l", SECRET)}).to_string();
    let resp = conn
        .request(
            "PUT",
            "/member/M-bank-1?k=cli-key&c=CLT-cli",
            JSON,
            Some(&body),
        )
        .unwrap();
    assert_eq!(resp.status, 200);
    drop(conn);
    let _ = child.0.kill();
    let _ = child.0.wait();
    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("PUT /member/M-bank-1?k=***&c=CLT-cli -> 200"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(SECRET) && !stderr.contains("cli-key"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    // A bad seed file is refused with status 2.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(&seed, r#"{"users": [], "memberz": []}"#).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mx-sso-emulator"))
        .arg("--seed")
        .arg(&seed)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("memberz"));
    let _ = std::fs::remove_dir_all(&dir);
}
