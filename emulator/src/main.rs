//! `mx-sso-emulator` command line: parse flags, start the emulator, print its base URL as the
//! first line of standard output, then serve until killed (SIGTERM/SIGINT) or, with
//! `--stop-on-stdin-eof`, until standard input closes.

use mx_sso_emulator::{Config, Emulator, DEFAULT_API_KEY, DEFAULT_CLIENT_GUID};
use std::io::{Read, Write};
use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

fn usage() -> String {
    format!(
        "\
usage: mx-sso-emulator [options]

A local, in-memory stand-in for MX's SSO API v2 (users and members). The first line of standard
output is the base URL it serves (e.g. http://127.0.0.1:41234).

options:
  --addr HOST:PORT        listen address (default 127.0.0.1:0, a free port)
  --api-key KEY           the API key (k) it answers (default {DEFAULT_API_KEY})
  --client GUID           the client guid (c) it accepts (default {DEFAULT_CLIENT_GUID})
  --external-client ID    also accept this external client guid as c
  --seed FILE             load users (a JSON array of create-user bodies, each may also
                          have \"guid\": \"USR-...\" and \"status\"), or users and members:
                          {{\"users\": [...], \"members\": [create-member bodies]}}
  --tls                   serve HTTPS with a freshly generated CA (needs --ca-out)
  --ca-out FILE           where --tls writes the CA certificate (PEM)
  --log                   print one line per request to standard error (key shown as ***)
  --max-body-bytes N      largest request body accepted (default 1048576; larger gets 413)
  --idle-timeout-secs N   close idle keep-alive connections after N seconds (default 60)
  --stop-on-stdin-eof     exit when standard input reaches end of file
  -h, --help              this text
  -V, --version           print the version
"
    )
}

struct Cli {
    config: Config,
    stop_on_stdin_eof: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Cli>, String> {
    let mut config = Config::default();
    let mut seed: Option<PathBuf> = None;
    let mut stop_on_stdin_eof = false;
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => {
                print!("{}", usage());
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("mx-sso-emulator {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--addr" => {
                let text = value("--addr")?;
                config.addr = text
                    .to_socket_addrs()
                    .map_err(|e| format!("--addr {text}: {e}"))?
                    .next()
                    .ok_or_else(|| format!("--addr {text}: no address"))?;
            }
            "--api-key" => config.api_key = value("--api-key")?,
            "--client" => config.client_guid = value("--client")?,
            "--external-client" => config.external_client_guid = Some(value("--external-client")?),
            "--seed" => seed = Some(PathBuf::from(value("--seed")?)),
            "--tls" => config.tls = true,
            "--ca-out" => config.ca_out = Some(PathBuf::from(value("--ca-out")?)),
            "--log" => config.log_to_stderr = true,
            "--max-body-bytes" => {
                let text = value("--max-body-bytes")?;
                config.max_body_bytes = text
                    .parse()
                    .map_err(|_| format!("--max-body-bytes {text}: not a number"))?;
            }
            "--idle-timeout-secs" => {
                let text = value("--idle-timeout-secs")?;
                let secs: u64 = text
                    .parse()
                    .map_err(|_| format!("--idle-timeout-secs {text}: not a number"))?;
                config.idle_timeout = Duration::from_secs(secs.max(1));
            }
            "--stop-on-stdin-eof" => stop_on_stdin_eof = true,
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if config.tls && config.ca_out.is_none() {
        return Err("--tls needs --ca-out FILE (clients must trust the generated CA)".into());
    }
    if !config.tls && config.ca_out.is_some() {
        return Err("--ca-out only makes sense with --tls".into());
    }
    if config.api_key.is_empty() || config.client_guid.is_empty() {
        return Err("--api-key and --client must not be empty".into());
    }
    if let Some(path) = seed {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("--seed {}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("--seed {}: not JSON: {e}", path.display()))?;
        (config.seed_users, config.seed_members) =
            parse_seed(value).map_err(|e| format!("--seed {}: {e}", path.display()))?;
    }
    Ok(Some(Cli {
        config,
        stop_on_stdin_eof,
    }))
}

/// A seed file: a JSON array of users, or `{"users": [...], "members": [...]}` (both optional).
type Seed = (Vec<serde_json::Value>, Vec<serde_json::Value>);

fn parse_seed(value: serde_json::Value) -> Result<Seed, String> {
    use serde_json::Value;
    let list = |value: Option<Value>, what: &str| match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("\"{what}\" must be a JSON array")),
    };
    match value {
        Value::Array(users) => Ok((users, Vec::new())),
        Value::Object(mut map) => {
            let users = list(map.remove("users"), "users")?;
            let members = list(map.remove("members"), "members")?;
            match map.keys().next() {
                Some(key) => Err(format!("unknown key {key:?} (expected users, members)")),
                None => Ok((users, members)),
            }
        }
        _ => Err(
            "must be a JSON array of users or an object {\"users\": [...], \"members\": [...]}"
                .into(),
        ),
    }
}

fn main() -> ExitCode {
    let cli = match parse_args(std::env::args().skip(1)) {
        Ok(Some(cli)) => cli,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mx-sso-emulator: {message}");
            return ExitCode::from(2);
        }
    };
    let emulator = match Emulator::start(cli.config) {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("mx-sso-emulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The first line of stdout is the contract with scripts: flush it at once.
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{}", emulator.base_url())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("mx-sso-emulator: cannot write the base URL to standard output");
        return ExitCode::FAILURE;
    }
    drop(stdout);
    if let Some(ca) = emulator.ca_file() {
        eprintln!(
            "mx-sso-emulator: CA certificate written to {}",
            ca.display()
        );
    }

    if cli.stop_on_stdin_eof {
        let mut sink = [0u8; 4096];
        let mut stdin = std::io::stdin().lock();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        emulator.shutdown();
        return ExitCode::SUCCESS;
    }
    // Serve until a signal ends the process (SIGTERM/SIGINT default actions).
    loop {
        std::thread::park();
    }
}
