//! Client options from flags, the `--options` file and the environment, in that order of
//! precedence (the explicit over the ambient). The API key comes only from `--api-key-file`,
//! the options file or `MX_SSO_API_KEY`, never from a flag's value, and is never printed.

use std::path::Path;

use mx_sso::{Options, API_KEY_ENV, BASE_URL_ENV, CLIENT_GUID_ENV};

use crate::args::SettingsArgs;
use crate::exit::UsageError;

/// What a command needs besides the options.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A call will be sent: the key and the client guid must be there.
    Credentials,
    /// Nothing is sent (a dry run): credentials are used when present.
    Nothing,
}

/// The client options for this invocation; a usage error says which setting is wrong and how to
/// set it (never a key's value).
pub fn options(args: &SettingsArgs, need: Need) -> Result<Options, UsageError> {
    let (mut options, from_file) = match &args.options {
        Some(path) => {
            let text = read_file("--options", path)?;
            if text.contains("\"api_key\"") {
                warn_if_readable_by_others("--options", path);
            }
            let keys: Vec<String> =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
                    .map(|map| map.keys().cloned().collect())
                    .unwrap_or_default();
            let options = Options::from_json(&text)
                .map_err(|e| UsageError(format!("--options {}: {e}", path.display())))?;
            (options, keys)
        }
        None => (Options::default(), Vec::new()),
    };
    let in_file = |key: &str| from_file.iter().any(|k| k == key);
    if !in_file("base_url") {
        if let Some(url) = env(BASE_URL_ENV)? {
            options.base_url = url;
        }
    }
    if !in_file("client_guid") {
        options.client_guid = env(CLIENT_GUID_ENV)?.or(options.client_guid);
    }
    if !in_file("api_key") {
        options.api_key = env(API_KEY_ENV)?.or(options.api_key);
    }
    if let Some(url) = &args.base_url {
        options.base_url = url.clone();
    }
    if let Some(guid) = &args.client_guid {
        options.client_guid = Some(guid.clone());
    }
    if let Some(path) = &args.api_key_file {
        options.api_key = Some(key_from_file(path)?);
    }
    if let Some(ca_file) = &args.ca_file {
        options.ca_file = Some(ca_file.clone());
    }
    if let Some(ms) = args.timeout_ms {
        options.timeout_ms = ms;
    }
    if need == Need::Credentials {
        if options.api_key.is_none() {
            return Err(UsageError(format!(
                "no API key: set {API_KEY_ENV}, or pass --api-key-file FILE (a file only you can \
                 read); the key is never taken from a flag's value"
            )));
        }
        if options.client_guid.is_none() {
            return Err(UsageError(format!(
                "no client guid: pass --client CLIENT_GUID or set {CLIENT_GUID_ENV}"
            )));
        }
    }
    options
        .check()
        .map_err(|e| UsageError(format!("settings: {e}")))?;
    Ok(options)
}

/// An environment variable's value; unset and empty are the same (as in most tools).
fn env(name: &str) -> Result<Option<String>, UsageError> {
    match std::env::var(name) {
        Ok(value) if value.is_empty() => Ok(None),
        Ok(value) => Ok(Some(value)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(UsageError(format!("{name} is not valid UTF-8")))
        }
    }
}

fn read_file(flag: &str, path: &Path) -> Result<String, UsageError> {
    std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("{flag} {}: cannot read it: {e}", path.display())))
}

/// The key in `path`, without one trailing newline (`\n` or `\r\n`, as editors and `echo`
/// leave). A file others can read gets a warning: the key opens the bank's MX account.
fn key_from_file(path: &Path) -> Result<String, UsageError> {
    let text = read_file("--api-key-file", path)?;
    warn_if_readable_by_others("--api-key-file", path);
    let key = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    if key.is_empty() {
        return Err(UsageError(format!(
            "--api-key-file {} is empty; put the API key in it",
            path.display()
        )));
    }
    Ok(key.to_string())
}

#[cfg(unix)]
fn warn_if_readable_by_others(flag: &str, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o044 != 0 {
            eprintln!(
                "mx-sso: warning: {flag} {} can be read by other users (mode {mode:03o}); it holds \
                 the API key: chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_flag: &str, _path: &Path) {}
