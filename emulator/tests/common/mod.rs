//! Raw-socket HTTP helpers for the emulator's tests: the tests must see exactly what goes over
//! the wire (no client library smoothing anything over).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

#[allow(unused_imports)]
pub use mx_sso_emulator::{Config, Emulator, Fault};

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn error_text(&self) -> String {
        self.json()["error"]
            .as_str()
            .expect("an error body has an `error` string")
            .to_string()
    }
}

/// One keep-alive connection to an emulator.
pub struct Conn {
    pub reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect to the emulator");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(stream),
        }
    }

    pub fn send_raw(&mut self, raw: &[u8]) {
        self.reader.get_mut().write_all(raw).expect("write request");
    }

    /// Sends a request; `content_type` None means no Content-Type header.
    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        content_type: Option<&str>,
        body: Option<&str>,
    ) -> Option<Resp> {
        let raw = build_request(method, target, content_type, body, &[]);
        self.send_raw(&raw);
        self.read_response()
    }

    /// Reads one response; `None` if the connection closed before any byte.
    pub fn read_response(&mut self) -> Option<Resp> {
        read_response(&mut self.reader)
    }

    /// True when the server closed the connection (EOF) without sending anything more.
    pub fn closed_without_bytes(&mut self) -> bool {
        let mut buf = [0u8; 64];
        matches!(self.reader.read(&mut buf), Ok(0))
    }
}

pub fn build_request(
    method: &str,
    target: &str,
    content_type: Option<&str>,
    body: Option<&str>,
    extra_headers: &[&str],
) -> Vec<u8> {
    let mut raw = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    if let Some(ct) = content_type {
        raw.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    for h in extra_headers {
        raw.push_str(h);
        raw.push_str("\r\n");
    }
    if let Some(b) = body {
        raw.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    raw.push_str("\r\n");
    if let Some(b) = body {
        raw.push_str(b);
    }
    raw.into_bytes()
}

pub fn read_response<R: BufRead>(reader: &mut R) -> Option<Resp> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.trim_end().splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "status line {line:?}");
    let status: u16 = parts.next().expect("status code").parse().expect("numeric");
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).expect("header line");
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (n, v) = h.split_once(':').expect("header colon");
        headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().expect("numeric Content-Length"))
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).expect("full body");
    Some(Resp {
        status,
        headers,
        body,
    })
}

/// `?k=..&c=..` for this emulator.
pub fn auth(emu: &Emulator) -> String {
    format!("k={}&c={}", emu.api_key(), emu.client_guid())
}

/// One request on a fresh connection.
pub fn call(
    emu: &Emulator,
    method: &str,
    target: &str,
    content_type: Option<&str>,
    body: Option<&str>,
) -> Option<Resp> {
    Conn::open(emu.addr()).request(method, target, content_type, body)
}

pub const JSON: Option<&str> = Some("application/json");

pub fn put_user(emu: &Emulator, id: &str, body: &str) -> Resp {
    call(
        emu,
        "PUT",
        &format!("/user/{id}?{}", auth(emu)),
        JSON,
        Some(body),
    )
    .expect("an answer")
}

pub fn get_user(emu: &Emulator, id: &str) -> Resp {
    call(emu, "GET", &format!("/user/{id}?{}", auth(emu)), None, None).expect("an answer")
}

pub fn start() -> Emulator {
    Emulator::start(Config::default()).expect("emulator starts")
}
