//! Through a real HTTP CONNECT proxy: tinyproxy, from Debian's packages, started by each test on
//! a free port and stopped on every exit path. The proxy from the option and from each
//! environment variable in curl's order, `NO_PROXY`, `"proxy": ""` with a dead proxy in the
//! environment, right and wrong passwords (exactly one attempt for a wrong one), a proxy that is
//! down, a refused CONNECT, an error page from in between; no secret in any output.
//!
//! Needs `tinyproxy` on PATH, so `cargo test` skips these (`#[ignore]`); `make test-proxy`
//! (part of `make test`, and `.ci/run` installs tinyproxy) runs them with `--ignored`.

mod common;

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{json, record_events, SECRET_KEY};
use mx_sso::{Client, Error, Event, Options, Status};
use mx_sso_emulator::{Config, Emulator, Fault};

/// The proxy password of these tests: like the API key, it may appear in no output.
const PROXY_PASSWORD: &str = "PROXY-SECRET-PASSWORD-77";

/// Every variable the proxy selection reads (and one it must not).
const PROXY_VARIABLES: &[&str] = &[
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// One tinyproxy on a free port, killed when dropped (a failed assertion included).
struct Tinyproxy {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Tinyproxy {
    /// Starts tinyproxy with these extra configuration lines.
    fn start(extra: &str) -> Tinyproxy {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "mx-sso-proxy-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let config = dir.join("tinyproxy.conf");
        fs::write(
            &config,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 10\nMaxClients 50\nAllow 127.0.0.1\n\
                 LogLevel Connect\nLogFile \"{}\"\n{extra}\n",
                dir.join("tinyproxy.log").display()
            ),
        )
        .unwrap();
        let output = fs::File::create(dir.join("tinyproxy.out")).unwrap();
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(output)
            .spawn()
            .expect("tinyproxy starts: install it (apt-get install tinyproxy); .ci/run does");
        let mut proxy = Tinyproxy { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        // Listening, and this tinyproxy is still alive (not another process on a reused port).
        while TcpStream::connect(("127.0.0.1", port)).is_err() || proxy.exited() {
            assert!(
                !proxy.exited() && Instant::now() < deadline,
                "tinyproxy did not listen on {port}: {}",
                fs::read_to_string(proxy.dir.join("tinyproxy.out")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        proxy
    }

    fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@127.0.0.1:{}", self.port)
    }

    /// CONNECT requests the proxy has received so far.
    fn connects(&self) -> usize {
        fs::read_to_string(self.dir.join("tinyproxy.log"))
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains("Request (file descriptor") && line.contains("CONNECT"))
            .count()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A port nothing listens on (taken, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn dead_proxy() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// The process's environment holds exactly `vars` of the proxy variables while `f` runs; the
/// variables are process-wide, so calls are serialised.
fn with_env<T>(vars: &[(&str, &str)], f: impl FnOnce() -> T) -> T {
    static ENV: Mutex<()> = Mutex::new(());
    let _guard = ENV.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let saved: Vec<_> = PROXY_VARIABLES
        .iter()
        .map(|name| (*name, std::env::var_os(name)))
        .collect();
    for name in PROXY_VARIABLES {
        std::env::remove_var(name);
    }
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    for (name, value) in saved {
        match value {
            Some(value) => std::env::set_var(name, value),
            None => std::env::remove_var(name),
        }
    }
    result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// An HTTPS emulator (the proxy tunnels TLS, as to MX) with one user; its CA file is removed
/// when the emulator is dropped.
struct HttpsEmulator {
    emu: Emulator,
    ca_file: PathBuf,
}

impl std::ops::Deref for HttpsEmulator {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        &self.emu
    }
}

impl Drop for HttpsEmulator {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.ca_file);
    }
}

fn https_emulator() -> (HttpsEmulator, String) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let ca_file = std::env::temp_dir().join(format!(
        "mx-sso-proxy-ca-{}-{}.pem",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let emu = Emulator::start(Config {
        api_key: SECRET_KEY.into(),
        ca_out: Some(ca_file.clone()),
        ..Config::tls()
    })
    .expect("emulator starts");
    let id = emu.add_user("bank-user-proxy").expect("seeded");
    (HttpsEmulator { emu, ca_file }, id)
}

/// Everything a test saw, checked for secrets at the end.
#[derive(Default)]
struct Outputs {
    texts: Vec<String>,
    events: Vec<Arc<Mutex<Vec<Event>>>>,
}

impl Outputs {
    fn client(&mut self, emu: &HttpsEmulator, proxy: Option<&str>) -> Result<Client, Error> {
        let result = Client::new(Options {
            base_url: emu.base_url().to_string(),
            api_key: Some(SECRET_KEY.into()),
            client_guid: Some(emu.client_guid().into()),
            ca_file: Some(emu.ca_file.display().to_string()),
            proxy: proxy.map(str::to_string),
            timeout_ms: 5_000,
            max_retries: 2,
            ..Options::default()
        });
        match &result {
            Ok(client) => self.events.push(record_events(client)),
            Err(e) => self.texts.push(format!("{e} {e:?}")),
        }
        result
    }

    fn call(&mut self, client: &Client, id: &str) -> Result<String, Error> {
        let result = client.read_user(id);
        match &result {
            Ok(body) => assert_eq!(json(body)["guid"], id),
            Err(e) => self.texts.push(format!("{e} {e:?} {}", e.to_json())),
        }
        result
    }

    fn assert_no_secret(&self) {
        let events = self
            .events
            .iter()
            .flat_map(|e| e.lock().unwrap().clone())
            .map(|e| e.to_json());
        for text in self.texts.iter().cloned().chain(events) {
            assert!(
                !text.contains(SECRET_KEY) && !text.contains(PROXY_PASSWORD),
                "a secret in: {text}"
            );
        }
    }
}

#[test]
#[ignore = "needs tinyproxy: make test-proxy"]
fn the_proxy_option_carries_every_call() {
    let (emu, id) = https_emulator();
    let proxy = Tinyproxy::start("");
    let mut out = Outputs::default();
    // A dead proxy in the environment does not matter: the option is explicit.
    let client = with_env(&[("HTTPS_PROXY", &dead_proxy())], || {
        out.client(&emu, Some(&proxy.url())).unwrap()
    });
    out.call(&client, &id).unwrap();
    out.call(&client, &id).unwrap();
    assert_eq!(proxy.connects(), 1, "one tunnel, reused by the second call");
    out.assert_no_secret();
}

#[test]
#[ignore = "needs tinyproxy: make test-proxy"]
fn environment_variables_are_read_in_curls_order() {
    let (emu, id) = https_emulator();
    let live = Tinyproxy::start("");
    let dead = dead_proxy();
    let live_url = live.url();
    let mut out = Outputs::default();
    // (variables, through the live proxy?)
    let cases: &[(&[(&str, &str)], bool)] = &[
        (&[("HTTPS_PROXY", &live_url)], true),
        (&[("https_proxy", &live_url), ("HTTPS_PROXY", &dead)], true),
        // The scheme's own variable wins over ALL_PROXY, a SOCKS one included.
        (
            &[
                ("ALL_PROXY", "socks5://127.0.0.1:1"),
                ("HTTPS_PROXY", &live_url),
            ],
            true,
        ),
        (&[("ALL_PROXY", &dead), ("HTTPS_PROXY", &live_url)], true),
        (&[("all_proxy", &live_url), ("ALL_PROXY", &dead)], true),
        (&[("ALL_PROXY", &live_url)], true),
        // HTTP_PROXY is never read for https (httpoxy): the call goes out directly.
        (&[("HTTP_PROXY", &dead), ("http_proxy", &dead)], false),
        (
            &[("HTTPS_PROXY", &dead), ("NO_PROXY", "localhost,127.0.0.1")],
            false,
        ),
        (
            &[("HTTPS_PROXY", &dead), ("no_proxy", "127.0.0.0/8")],
            false,
        ),
        (&[("ALL_PROXY", &dead), ("NO_PROXY", "*")], false),
    ];
    for (vars, via_proxy) in cases {
        let before = live.connects();
        let client = with_env(vars, || out.client(&emu, None).unwrap());
        out.call(&client, &id)
            .unwrap_or_else(|e| panic!("{vars:?}: {e}"));
        let tunnels = live.connects() - before;
        assert_eq!(tunnels, usize::from(*via_proxy), "{vars:?}");
    }
    // "proxy": "" turns proxies off, whatever the environment says.
    let client = with_env(&[("HTTPS_PROXY", &dead), ("ALL_PROXY", &dead)], || {
        out.client(&emu, Some("")).unwrap()
    });
    out.call(&client, &id).unwrap();
    out.assert_no_secret();
}

#[test]
#[ignore = "needs tinyproxy: make test-proxy"]
fn unusable_settings_are_refused_at_creation_naming_the_variable() {
    let (emu, _) = https_emulator();
    let mut out = Outputs::default();
    let bad = format!("http://bank:{PROXY_PASSWORD}@[::1");
    for (vars, option, names) in [
        (vec![("HTTPS_PROXY", bad.as_str())], None, "HTTPS_PROXY"),
        (
            vec![("ALL_PROXY", "http://127.0.0.1:notaport")],
            None,
            "ALL_PROXY",
        ),
        (
            vec![],
            Some("http://127.0.0.1:notaport"),
            "the proxy option",
        ),
        (
            vec![("https_proxy", "socks5://127.0.0.1:1080")],
            None,
            "https_proxy",
        ),
    ] {
        let err = with_env(&vars, || out.client(&emu, option)).unwrap_err();
        assert_eq!(err.status(), Status::InvalidArgument, "{err}");
        assert!(err.to_string().contains(names), "{err}");
    }
    out.assert_no_secret();
}

#[test]
#[ignore = "needs tinyproxy: make test-proxy"]
fn a_wrong_password_is_sent_once_and_named_as_the_proxys_refusal() {
    let (emu, id) = https_emulator();
    let proxy = Tinyproxy::start(&format!("BasicAuth bank {PROXY_PASSWORD}"));
    let mut out = Outputs::default();

    let client = out
        .client(&emu, Some(&proxy.url_with("bank", "WRONG-PASSWORD")))
        .unwrap();
    let err = out.call(&client, &id).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Status::Transport, "{text}");
    assert_eq!(err.attempts(), Some(1), "never retried: {text}");
    assert!(err.is_proxy_credentials_refused(), "{text}");
    assert_eq!(
        proxy.connects(),
        1,
        "exactly one CONNECT with the wrong password"
    );
    let label = format!("127.0.0.1:{} (set by the proxy option)", proxy.port);
    assert!(
        text.contains(&format!("the proxy {label} refused the credentials"))
            && text.contains("401 Unauthorized")
            && text.contains("not retried"),
        "{text}"
    );
    assert!(!text.contains("WRONG-PASSWORD"), "{text}");

    // No credentials at all: the proxy's 407 and what to do, once.
    let client = out.client(&emu, Some(&proxy.url())).unwrap();
    let err = out.call(&client, &id).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.attempts(), Some(1), "{text}");
    assert!(err.is_proxy_credentials_refused(), "{text}");
    assert_eq!(proxy.connects(), 2, "one more CONNECT: {text}");
    assert!(
        text.contains("requires authentication (HTTP 407 Proxy Authentication Required)")
            && text.contains("http://user:password@host:port"),
        "{text}"
    );

    // The right password, from the environment.
    let right = proxy.url_with("bank", PROXY_PASSWORD);
    let client = with_env(&[("HTTPS_PROXY", &right)], || {
        out.client(&emu, None).unwrap()
    });
    out.call(&client, &id).unwrap();
    out.assert_no_secret();
}

#[test]
#[ignore = "needs tinyproxy: make test-proxy"]
fn a_proxy_that_is_down_or_refuses_the_tunnel_says_so() {
    let (emu, id) = https_emulator();
    let mut out = Outputs::default();

    let dead = dead_proxy();
    let client = with_env(&[("HTTPS_PROXY", &dead)], || {
        out.client(&emu, None).unwrap()
    });
    let err = out.call(&client, &id).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.status(), Status::Transport, "{text}");
    let label = format!(
        "{} (set by HTTPS_PROXY)",
        dead.trim_start_matches("http://")
    );
    assert!(
        text.contains(&format!("could not reach the proxy {label}"))
            && text.contains("Connection refused"),
        "{text}"
    );
    // Nothing reached the proxy, let alone MX: a connect failure, retried as usual.
    assert_eq!(err.attempts(), Some(3), "{text}");
    assert!(!err.is_proxy_credentials_refused(), "{text}");

    // A proxy whose policy allows CONNECT to port 443 only.
    let strict = Tinyproxy::start("ConnectPort 443");
    let client = out.client(&emu, Some(&strict.url())).unwrap();
    let err = out.call(&client, &id).unwrap_err();
    let text = err.to_string();
    let target = emu.base_url().trim_start_matches("https://").to_string();
    assert!(
        text.contains(&format!("refused to open a tunnel to {target}: HTTP 403")),
        "{text}"
    );
    assert_eq!(err.attempts(), Some(1), "a policy refusal is final: {text}");
    assert!(
        !err.is_proxy_credentials_refused(),
        "not a password: {text}"
    );
    assert_eq!(strict.connects(), 1);
    out.assert_no_secret();
}

#[test]
#[ignore = "needs tinyproxy: make test-proxy"]
fn an_error_page_from_in_between_is_not_blamed_on_mx() {
    let (emu, id) = https_emulator();
    let proxy = Tinyproxy::start("");
    let mut out = Outputs::default();
    let client = out.client(&emu, Some(&proxy.url())).unwrap();
    emu.push_fault_times(
        Fault::Response {
            status: 502,
            content_type: Some("text/html".into()),
            body: "<html>Certificate verify failed</html>".into(),
        },
        3,
    );
    let err = out.call(&client, &id).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.http_status(), Some(502));
    assert!(
        text.contains("\"Certificate verify failed\"")
            && text.contains("may come from a proxy")
            && !text.contains("the MX API is down"),
        "{text}"
    );
    out.assert_no_secret();
}
