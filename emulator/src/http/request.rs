//! Reading requests: the head parsed with `httparse`, then a `Content-Length` or chunked body,
//! from a connection's own input buffer. Every limit is enforced before memory is committed, and
//! every malformed input is an error value, never a panic.

use super::input::{Input, MAX_HEAD};
use super::transport::Transport;
use httparse::Status;
use std::io::{self, BufRead, Read};

/// Most header lines accepted in one request.
const MAX_HEADERS: usize = 100;
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
    /// Socket error or read timeout: nothing can be answered (the error is kept for `Debug`).
    Io(#[allow(dead_code)] io::Error),
    /// Malformed HTTP: answer 400 and close.
    Malformed(&'static str),
    /// Request head over [`MAX_HEAD`] or [`MAX_HEADERS`]: answer 431 and close.
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

fn eof() -> ReadError {
    ReadError::Io(io::ErrorKind::UnexpectedEof.into())
}

fn parse_error(e: httparse::Error) -> ReadError {
    ReadError::Malformed(match e {
        httparse::Error::TooManyHeaders => return ReadError::HeadTooLarge,
        httparse::Error::Version => "unsupported HTTP version",
        httparse::Error::Token => "bad request line",
        httparse::Error::HeaderName => "bad header name",
        httparse::Error::HeaderValue => "bad header value",
        httparse::Error::NewLine => "bad line ending",
        httparse::Error::Status => "bad request",
    })
}

/// Reads a request head. `Err(Closed)` means the client went away cleanly before a new request
/// (empty lines before a request line are ignored, RFC 9112 2.2).
pub fn read_head<S: Read>(input: &mut Input<S>) -> Result<RequestHead, ReadError> {
    loop {
        let data = input.buffered();
        if !data.is_empty() {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(data).map_err(parse_error)? {
                Status::Complete(n) => {
                    let head = build_head(&request)?;
                    input.consume(n);
                    return Ok(head);
                }
                Status::Partial if data.len() >= MAX_HEAD => return Err(ReadError::HeadTooLarge),
                Status::Partial => {}
            }
        }
        let only_empty_lines = input.buffered().iter().all(|&b| b == b'\r' || b == b'\n');
        if input.fill_more()? == 0 {
            return Err(if only_empty_lines {
                ReadError::Closed
            } else {
                eof()
            });
        }
    }
}

fn build_head(request: &httparse::Request<'_, '_>) -> Result<RequestHead, ReadError> {
    let (Some(method), Some(target), Some(version)) =
        (request.method, request.path, request.version)
    else {
        return Err(ReadError::Malformed("bad request line"));
    };
    let target = origin_form(target).ok_or(ReadError::Malformed("bad request target"))?;
    let mut content_type = None;
    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    let mut connection_close = false;
    let mut connection_keep_alive = false;
    let mut expect_continue = false;
    for header in request.headers.iter() {
        let name = header.name;
        let value = header.value.trim_ascii();
        if name.eq_ignore_ascii_case("content-length") {
            let text = std::str::from_utf8(value)
                .ok()
                .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .ok_or(ReadError::Malformed("bad Content-Length"))?;
            let n: u64 = text
                .parse()
                .map_err(|_| ReadError::Malformed("bad Content-Length"))?;
            if content_length.is_some_and(|old| old != n) {
                return Err(ReadError::Malformed("conflicting Content-Length headers"));
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            if chunked || !value.eq_ignore_ascii_case(b"chunked") {
                return Err(ReadError::UnsupportedTransferEncoding);
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(String::from_utf8_lossy(value).into_owned());
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(|&b| b == b',') {
                let token = token.trim_ascii();
                if token.eq_ignore_ascii_case(b"close") {
                    connection_close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    connection_keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("expect") {
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
    let http10 = version == 0;
    Ok(RequestHead {
        method: method.to_string(),
        target,
        content_type,
        keep_alive: !connection_close && (!http10 || connection_keep_alive),
        expect_continue,
        body_kind,
    })
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
    input: &mut Input<S>,
    head: &RequestHead,
    max_body: usize,
) -> Result<Vec<u8>, ReadError> {
    match head.body_kind {
        BodyKind::None => Ok(Vec::new()),
        BodyKind::Length(n) => {
            if n > max_body as u64 {
                return Err(ReadError::BodyTooLarge);
            }
            send_continue(input, head)?;
            let mut body = vec![0u8; n as usize];
            input.read_exact(&mut body)?;
            Ok(body)
        }
        BodyKind::Chunked => {
            send_continue(input, head)?;
            read_chunked(input, max_body)
        }
    }
}

fn send_continue<S: Transport>(input: &mut Input<S>, head: &RequestHead) -> Result<(), ReadError> {
    // Only when nothing of the body is buffered yet: a client that sent the body anyway does
    // not need the interim answer.
    if head.expect_continue && input.buffered().is_empty() {
        let stream = input.get_mut();
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        stream.flush()?;
    }
    Ok(())
}

/// Parses one framing element (chunk-size line or trailer section) at the start of the buffered
/// bytes, reading more as needed; `budget` bounds the framing bytes of one body.
fn framing<S: Read, T>(
    input: &mut Input<S>,
    budget: &mut usize,
    parse: impl Fn(&[u8]) -> Result<Status<(usize, T)>, ReadError>,
) -> Result<T, ReadError> {
    loop {
        match parse(input.buffered())? {
            Status::Complete((n, value)) => {
                if n > *budget {
                    return Err(ReadError::HeadTooLarge);
                }
                *budget -= n;
                input.consume(n);
                return Ok(value);
            }
            Status::Partial if input.buffered().len() >= *budget => {
                return Err(ReadError::HeadTooLarge)
            }
            Status::Partial => {
                if input.fill_more()? == 0 {
                    return Err(eof());
                }
            }
        }
    }
}

fn read_chunked<S: Read>(input: &mut Input<S>, max_body: usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    // Chunk-size lines and trailers share a budget so that endless tiny chunks are bounded too.
    let mut budget = MAX_HEAD;
    loop {
        let size = framing(input, &mut budget, |data| {
            // Leading blanks are tolerated, as the emulator always did (httparse refuses them).
            let blanks = data
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            match httparse::parse_chunk_size(&data[blanks..]) {
                Ok(Status::Complete((n, size))) => Ok(Status::Complete((blanks + n, size))),
                Ok(Status::Partial) => Ok(Status::Partial),
                Err(_) => Err(ReadError::Malformed("bad chunk size")),
            }
        })?;
        if size == 0 {
            break;
        }
        if body.len() as u64 + size > max_body as u64 {
            return Err(ReadError::BodyTooLarge);
        }
        let start = body.len();
        body.resize(start + size as usize, 0);
        input.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        input.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Malformed("chunk not followed by CRLF"));
        }
    }
    // Trailer section, ignored.
    framing(input, &mut budget, |data| {
        let mut trailers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        match httparse::parse_headers(data, &mut trailers).map_err(parse_error)? {
            Status::Complete((n, _)) => Ok(Status::Complete((n, ()))),
            Status::Partial => Ok(Status::Partial),
        }
    })?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(raw: &[u8]) -> Input<&[u8]> {
        Input::new(raw)
    }

    #[test]
    fn parses_a_head() {
        let raw = b"\r\nPUT http://h:1/user/x?k=1 HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
        let mut reader = input(raw);
        let head = read_head(&mut reader).unwrap();
        assert_eq!(head.method, "PUT");
        assert_eq!(head.path(), "/user/x");
        assert_eq!(head.query(), "k=1");
        assert!(!head.keep_alive);
        assert_eq!(head.body_kind, BodyKind::Length(2));
        assert_eq!(reader.buffered(), b"{}");
    }

    #[test]
    fn reads_a_head_split_over_many_reads() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(out.len()).min(1);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let long = format!("GET /user/x HTTP/1.0\r\nX: {}\r\n\r\n", "a".repeat(40_000));
        let mut reader = Input::new(OneByte(long.as_bytes()));
        let head = read_head(&mut reader).unwrap();
        assert!(!head.keep_alive);
        assert!(matches!(read_head(&mut reader), Err(ReadError::Closed)));
    }

    #[test]
    fn rejects_garbage_and_oversized_heads() {
        for raw in [
            &b"GARBAGE\r\n\r\n"[..],
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
        ] {
            assert!(matches!(
                read_head(&mut input(raw)),
                Err(ReadError::Malformed(_))
            ));
        }
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(
            read_head(&mut input(huge.as_bytes())),
            Err(ReadError::HeadTooLarge)
        ));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: 1\r\n".repeat(MAX_HEADERS + 1)
        );
        assert!(matches!(
            read_head(&mut input(many.as_bytes())),
            Err(ReadError::HeadTooLarge)
        ));
        assert!(matches!(
            read_head(&mut input(b"\r\n\r\n")),
            Err(ReadError::Closed)
        ));
        assert!(matches!(
            read_head(&mut input(b"GET / HT")),
            Err(ReadError::Io(_))
        ));
    }

    #[test]
    fn reads_chunked() {
        let raw = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        let mut reader = input(raw);
        assert_eq!(read_chunked(&mut reader, 100).unwrap(), b"Wikipedia");
        assert_eq!(reader.buffered(), b"NEXT");
        assert!(matches!(
            read_chunked(&mut input(raw), 5),
            Err(ReadError::BodyTooLarge)
        ));
        assert!(matches!(
            read_chunked(&mut input(b"zz\r\n"), 5),
            Err(ReadError::Malformed(_))
        ));
    }
}
