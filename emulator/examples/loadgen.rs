//! Load generator for the emulator (a benchmark, not a test): N threads, each with one
//! keep-alive connection, sending `PUT /user/{id}` as fast as the emulator answers.
//!
//! ```text
//! cargo run --release -p mx-sso-emulator --example loadgen -- \
//!     [--url http://127.0.0.1:PORT] [--threads 4] [--seconds 5] [--key KEY] [--client GUID]
//! ```
//! Without `--url` it starts an emulator in-process. See `emulator/bench.sh`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Args {
    url: Option<String>,
    threads: usize,
    seconds: u64,
    key: String,
    client: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: None,
        threads: 4,
        seconds: 5,
        key: mx_sso_emulator::DEFAULT_API_KEY.to_string(),
        client: mx_sso_emulator::DEFAULT_CLIENT_GUID.to_string(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => args.url = Some(value()?),
            "--threads" => args.threads = value()?.parse().map_err(|_| "bad --threads")?,
            "--seconds" => args.seconds = value()?.parse().map_err(|_| "bad --seconds")?,
            "--key" => args.key = value()?,
            "--client" => args.client = value()?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Reads one response; returns its status.
fn read_response(reader: &mut BufReader<TcpStream>, line: &mut String) -> std::io::Result<u16> {
    line.clear();
    reader.read_line(line)?;
    let status = line.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut length = 0usize;
    loop {
        line.clear();
        if reader.read_line(line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut remaining = length;
    while remaining > 0 {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let n = buf.len().min(remaining);
        reader.consume(n);
        remaining -= n;
    }
    Ok(status)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}");
            std::process::exit(2);
        }
    };
    let mut in_process = None;
    let url = match &args.url {
        Some(url) => url.clone(),
        None => {
            let emu = mx_sso_emulator::Emulator::start(mx_sso_emulator::Config {
                api_key: args.key.clone(),
                client_guid: args.client.clone(),
                ..Default::default()
            })
            .expect("start emulator");
            let url = emu.base_url().to_string();
            in_process = Some(emu);
            url
        }
    };
    let addr = url
        .strip_prefix("http://")
        .expect("loadgen speaks plain http only")
        .trim_end_matches('/')
        .to_string();

    // One user per thread, created through the API itself.
    for t in 0..args.threads {
        let mut stream = TcpStream::connect(&addr).expect("connect");
        let body = format!(
            r#"{{"external_user_guid":"bench-{t}-{}"}}"#,
            std::process::id()
        );
        let request = format!(
            "POST /user?k={}&c={} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            args.key,
            args.client,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("write");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "create failed: {answer}"
        );
    }

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..args.threads)
        .map(|t| {
            let (stop, done, errors) = (stop.clone(), done.clone(), errors.clone());
            let (addr, key, client) = (addr.clone(), args.key.clone(), args.client.clone());
            std::thread::spawn(move || {
                let stream = TcpStream::connect(&addr).expect("connect");
                stream.set_nodelay(true).ok();
                let mut writer = stream.try_clone().expect("clone");
                let mut reader = BufReader::with_capacity(16 * 1024, stream);
                let requests: Vec<Vec<u8>> = ["DISABLED", "ENABLED"]
                    .iter()
                    .map(|status| {
                        let body = format!(r#"{{"status":"{status}"}}"#);
                        format!(
                            "PUT /user/bench-{t}-{}?k={key}&c={client} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                            std::process::id(),
                            body.len()
                        )
                        .into_bytes()
                    })
                    .collect();
                let mut line = String::new();
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    if writer.write_all(&requests[i & 1]).is_err() {
                        errors.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    match read_response(&mut reader, &mut line) {
                        Ok(200) => done.fetch_add(1, Ordering::Relaxed),
                        _ => errors.fetch_add(1, Ordering::Relaxed),
                    };
                    i += 1;
                }
            })
        })
        .collect();

    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(args.seconds));
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let total = done.load(Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    println!(
        "{} threads, {:.1}s: {} PUTs answered 200, {} errors, {:.0} requests/s",
        args.threads,
        elapsed,
        total,
        errors.load(Ordering::Relaxed),
        total as f64 / elapsed
    );
    drop(in_process);
}
