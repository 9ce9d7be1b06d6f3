//! Minimal HTTP/1.1 server-side parsing and writing.
//!
//! Only what an API emulator needs: request line, headers, `Content-Length` and chunked request
//! bodies, `Expect: 100-continue`, keep-alive decisions, and responses written in one buffer so
//! that each answer costs a single `write`. Every limit is enforced before memory is committed,
//! and every malformed input is an error value, never a panic.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// Longest request line or header line accepted, in bytes.
const MAX_LINE: usize = 16 * 1024;
/// Total size of the request head (request line and headers) accepted, in bytes.
pub const MAX_HEAD: usize = 64 * 1024;
/// Most header lines accepted in one request.
const MAX_HEADERS: usize = 100;

/// A byte stream the server can answer on: plain TCP or TLS over TCP.
pub trait Transport: Read + Write + Send {
    /// Half-closes the underlying socket for writing (the client then sees EOF), without
    /// sending anything else (no TLS close_notify: "no answer" must mean no bytes of HTTP).
    fn shutdown_write(&mut self);
    /// Sets the read timeout of the underlying socket.
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
}

impl Transport for TcpStream {
    fn shutdown_write(&mut self) {
        let _ = self.shutdown(Shutdown::Write);
    }
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
}

/// The head of a request: everything before the body.
#[derive(Debug, Clone)]
pub struct RequestHead {
    pub method: String,
    /// The request target in origin form (`/user/x?k=..`); an absolute-form target sent
    /// through a proxy (`http://host/user/x`) is reduced to its path and query.
    pub target: String,
    /// `Content-Type` header value, if any.
    pub content_type: Option<String>,
    /// Whether the connection stays open after the answer (HTTP/1.1 default, `Connection`
    /// header honoured; HTTP/1.0 needs `Connection: keep-alive`).
    pub keep_alive: bool,
    pub expect_continue: bool,
    pub body_kind: BodyKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    None,
    Length(u64),
    Chunked,
}

impl RequestHead {
    /// Path part of the target, still percent-encoded.
    pub fn path(&self) -> &str {
        match self.target.find('?') {
            Some(i) => &self.target[..i],
            None => &self.target,
        }
    }

    /// Query part of the target (without `?`), still percent-encoded.
    pub fn query(&self) -> &str {
        match self.target.find('?') {
            Some(i) => &self.target[i + 1..],
            None => "",
        }
    }
}

/// Why a request could not be read; each maps to one way of ending the exchange.
#[derive(Debug)]
pub enum ReadError {
    /// The client closed the connection cleanly between requests.
    Closed,
    /// Socket error or read timeout: nothing can be answered.
    Io(io::Error),
    /// Malformed HTTP: answer 400 and close.
    Malformed(&'static str),
    /// Request head over [`MAX_HEAD`]: answer 431 and close.
    HeadTooLarge,
    /// Body over the configured limit: answer 413 and close.
    BodyTooLarge,
    /// A transfer coding other than `chunked`: answer 501 and close.
    UnsupportedTransferEncoding,
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads one line ending in `\n` (at most `MAX_LINE` bytes and what is left of `budget`) into
/// `line`, without the line ending. Returns `Ok(false)` at EOF before any byte.
fn read_line<R: BufRead>(
    reader: &mut R,
    line: &mut Vec<u8>,
    budget: &mut usize,
) -> Result<bool, ReadError> {
    line.clear();
    let limit = MAX_LINE.min(*budget) as u64 + 1;
    let n = reader.by_ref().take(limit).read_until(b'\n', line)?;
    if n == 0 {
        return Ok(false);
    }
    if line.last() != Some(&b'\n') {
        if n as u64 >= limit {
            return Err(ReadError::HeadTooLarge);
        }
        // EOF in the middle of a line.
        return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
    }
    *budget = budget.saturating_sub(n);
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(true)
}

/// Reads a request head. `Err(Closed)` means the client went away cleanly before a new request.
pub fn read_head<R: BufRead>(reader: &mut R) -> Result<RequestHead, ReadError> {
    let mut budget = MAX_HEAD;
    let mut line = Vec::with_capacity(256);

    // RFC 9112 2.2: ignore empty lines before the request line (bounded by the head budget).
    loop {
        match read_line(reader, &mut line, &mut budget) {
            Ok(false) => return Err(ReadError::Closed),
            Ok(true) if line.is_empty() => continue,
            Ok(true) => break,
            Err(ReadError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(ReadError::Closed)
            }
            Err(e) => return Err(e),
        }
    }
    let request_line = std::str::from_utf8(&line)
        .map_err(|_| ReadError::Malformed("request line is not UTF-8"))?;
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && !t.is_empty() => (m, t, v),
        _ => return Err(ReadError::Malformed("bad request line")),
    };
    if !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ReadError::Malformed("bad method"));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Malformed("unsupported HTTP version")),
    };
    let target = origin_form(target).ok_or(ReadError::Malformed("bad request target"))?;
    let method = method.to_string();

    let mut content_type = None;
    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    let mut connection_close = false;
    let mut connection_keep_alive = false;
    let mut expect_continue = false;
    let mut header_count = 0;
    loop {
        if !read_line(reader, &mut line, &mut budget)? {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        if line.is_empty() {
            break;
        }
        header_count += 1;
        if header_count > MAX_HEADERS {
            return Err(ReadError::HeadTooLarge);
        }
        if line[0] == b' ' || line[0] == b'\t' {
            return Err(ReadError::Malformed("obsolete header line folding"));
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(ReadError::Malformed("header line without colon"))?;
        let name = &line[..colon];
        if name.is_empty() || name.iter().any(|b| b.is_ascii_whitespace()) {
            return Err(ReadError::Malformed("bad header name"));
        }
        let value = trim_ascii(&line[colon + 1..]);
        if name.eq_ignore_ascii_case(b"content-length") {
            let text = std::str::from_utf8(value)
                .map_err(|_| ReadError::Malformed("bad Content-Length"))?;
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ReadError::Malformed("bad Content-Length"));
            }
            let n: u64 = text
                .parse()
                .map_err(|_| ReadError::Malformed("bad Content-Length"))?;
            if content_length.is_some_and(|old| old != n) {
                return Err(ReadError::Malformed("conflicting Content-Length headers"));
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            let text = String::from_utf8_lossy(value).to_ascii_lowercase();
            let codings: Vec<&str> = text.split(',').map(str::trim).collect();
            if codings.iter().all(|c| *c == "chunked") && codings.len() == 1 && !chunked {
                chunked = true;
            } else {
                return Err(ReadError::UnsupportedTransferEncoding);
            }
        } else if name.eq_ignore_ascii_case(b"content-type") {
            content_type = Some(String::from_utf8_lossy(value).into_owned());
        } else if name.eq_ignore_ascii_case(b"connection") {
            for token in String::from_utf8_lossy(value).split(',') {
                let token = token.trim();
                if token.eq_ignore_ascii_case("close") {
                    connection_close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    connection_keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case(b"expect") {
            expect_continue = value.eq_ignore_ascii_case(b"100-continue");
        }
    }

    let body_kind = if chunked {
        // RFC 9112 6.3: with both, Transfer-Encoding wins and the message is suspect: close after.
        if content_length.is_some() {
            connection_close = true;
        }
        BodyKind::Chunked
    } else {
        match content_length {
            Some(0) | None => BodyKind::None,
            Some(n) => BodyKind::Length(n),
        }
    };
    let keep_alive = !connection_close && (!http10 || connection_keep_alive);
    Ok(RequestHead {
        method,
        target,
        content_type,
        keep_alive,
        expect_continue,
        body_kind,
    })
}

fn trim_ascii(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes {
        if first.is_ascii_whitespace() {
            bytes = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = bytes {
        if last.is_ascii_whitespace() {
            bytes = rest;
        } else {
            break;
        }
    }
    bytes
}

/// Reduces a request target to origin form (`/path?query`), or `None` when it is unusable.
fn origin_form(target: &str) -> Option<String> {
    if target.starts_with('/') {
        return Some(target.to_string());
    }
    let lower = target.get(..8).map(str::to_ascii_lowercase);
    let rest = if lower.as_deref().is_some_and(|p| p.starts_with("http://")) {
        &target[7..]
    } else if lower.as_deref() == Some("https://") {
        &target[8..]
    } else {
        return None;
    };
    match rest.find(['/', '?']) {
        Some(i) if rest.as_bytes()[i] == b'/' => Some(rest[i..].to_string()),
        Some(i) => Some(format!("/{}", &rest[i..])),
        None => Some("/".to_string()),
    }
}

/// Reads the request body described by `head`, refusing bodies over `max_body` bytes before
/// reading them. Sends `100 Continue` when the client asked for it and the body is acceptable.
pub fn read_body<S: Transport>(
    reader: &mut BufReader<S>,
    head: &RequestHead,
    max_body: usize,
) -> Result<Vec<u8>, ReadError> {
    match head.body_kind {
        BodyKind::None => Ok(Vec::new()),
        BodyKind::Length(n) => {
            if n > max_body as u64 {
                return Err(ReadError::BodyTooLarge);
            }
            send_continue(reader, head)?;
            let mut body = vec![0u8; n as usize];
            reader.read_exact(&mut body)?;
            Ok(body)
        }
        BodyKind::Chunked => {
            send_continue(reader, head)?;
            read_chunked(reader, max_body)
        }
    }
}

fn send_continue<S: Transport>(
    reader: &mut BufReader<S>,
    head: &RequestHead,
) -> Result<(), ReadError> {
    // Only when nothing of the body is buffered yet: a client that sent the body anyway does
    // not need the interim answer.
    if head.expect_continue && reader.buffer().is_empty() {
        let stream = reader.get_mut();
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        stream.flush()?;
    }
    Ok(())
}

fn read_chunked<R: BufRead>(reader: &mut R, max_body: usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    let mut line = Vec::new();
    // Chunk-size lines and trailers share a budget so that endless tiny chunks are bounded too.
    let mut budget = MAX_HEAD;
    loop {
        if !read_line(reader, &mut line, &mut budget)? {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let size_text = line.split(|&b| b == b';').next().unwrap_or_default();
        let size_text = std::str::from_utf8(trim_ascii(size_text))
            .map_err(|_| ReadError::Malformed("bad chunk size"))?;
        if size_text.is_empty() || size_text.len() > 15 {
            return Err(ReadError::Malformed("bad chunk size"));
        }
        let size = u64::from_str_radix(size_text, 16)
            .map_err(|_| ReadError::Malformed("bad chunk size"))?;
        if size == 0 {
            break;
        }
        if body.len() as u64 + size > max_body as u64 {
            return Err(ReadError::BodyTooLarge);
        }
        let start = body.len();
        body.resize(start + size as usize, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Malformed("chunk not followed by CRLF"));
        }
    }
    // Trailer section, ignored.
    loop {
        if !read_line(reader, &mut line, &mut budget)? {
            return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        if line.is_empty() {
            return Ok(body);
        }
    }
}

/// Standard reason phrase for a status code ("" for unknown codes, which HTTP allows).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// An HTTP answer, built in memory and written in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// `None` means no `Content-Type` header at all.
    pub content_type: Option<String>,
    pub extra_headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON answer (`Content-Type: application/json`).
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Response {
            status,
            content_type: Some("application/json".to_string()),
            extra_headers: Vec::new(),
            body,
        }
    }

    /// MX's error shape: `{"error": "<message>"}`.
    pub fn error(status: u16, message: &str) -> Self {
        let body = serde_json::to_vec(&serde_json::json!({ "error": message }))
            .unwrap_or_else(|_| b"{}".to_vec());
        Response::json(status, body)
    }

    /// An answer with no body and no `Content-Type` (MX's 404 and 502).
    pub fn empty(status: u16) -> Self {
        Response {
            status,
            content_type: None,
            extra_headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Status line and headers; `content_length` may differ from the body (truncation fault).
    pub fn head_bytes(&self, content_length: u64, keep_alive: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(160 + self.body.len());
        let _ = write!(
            out,
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        if let Some(ct) = &self.content_type {
            let _ = write!(out, "Content-Type: {ct}\r\n");
        }
        for (name, value) in &self.extra_headers {
            let _ = write!(out, "{name}: {value}\r\n");
        }
        let _ = write!(out, "Content-Length: {content_length}\r\n");
        if !keep_alive {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// The whole answer as bytes, ready for a single write.
    pub fn to_bytes(&self, keep_alive: bool) -> Vec<u8> {
        let mut out = self.head_bytes(self.body.len() as u64, keep_alive);
        out.extend_from_slice(&self.body);
        out
    }
}

/// Decodes `%XX` escapes (invalid escapes are kept as they are); `plus_is_space` applies the
/// form-encoding rule used in query strings. Invalid UTF-8 is replaced, never an error.
pub fn percent_decode(input: &str, plus_is_space: bool) -> Cow<'_, str> {
    let bytes = input.as_bytes();
    let needs_decoding = bytes.contains(&b'%') || (plus_is_space && bytes.contains(&b'+'));
    if !needs_decoding {
        return Cow::Borrowed(input);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi << 4 | lo);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The first value of query parameter `name` (decoded), if present.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key, true) == name).then(|| percent_decode(value, true).into_owned())
    })
}

/// The query with the API key's value replaced by `***`, for logs.
pub fn redact_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    query
        .split('&')
        .map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            if percent_decode(key, true) == "k" {
                format!("{key}=***")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("a%2Fb%20c%3Fd%23e", false), "a/b c?d#e");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("%41", false), "A");
    }

    #[test]
    fn redacts_the_key() {
        assert_eq!(redact_query("k=secret&c=CLT-1"), "k=***&c=CLT-1");
        assert_eq!(redact_query("c=1&%6B=secret"), "c=1&%6B=***");
        assert_eq!(redact_query(""), "");
    }

    #[test]
    fn parses_a_head() {
        let raw = b"\r\nPUT http://h:1/user/x?k=1 HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
        let mut reader = &raw[..];
        let head = read_head(&mut reader).unwrap();
        assert_eq!(head.method, "PUT");
        assert_eq!(head.path(), "/user/x");
        assert_eq!(head.query(), "k=1");
        assert!(!head.keep_alive);
        assert_eq!(head.body_kind, BodyKind::Length(2));
    }

    #[test]
    fn rejects_garbage() {
        for raw in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
        ] {
            let mut reader = raw;
            assert!(matches!(
                read_head(&mut reader),
                Err(ReadError::Malformed(_))
            ));
        }
    }

    #[test]
    fn reads_chunked() {
        let raw = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n";
        let mut reader = &raw[..];
        assert_eq!(read_chunked(&mut reader, 100).unwrap(), b"Wikipedia");
        let mut reader = &raw[..];
        assert!(matches!(
            read_chunked(&mut reader, 5),
            Err(ReadError::BodyTooLarge)
        ));
    }
}
