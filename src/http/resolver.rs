//! Name resolution for ureq (its `unversioned` module, hence the exact ureq pin): ureq resolves
//! the host before every request, even when a pooled connection is then reused, and with a
//! timeout set its default resolver starts a thread each time. [`FastResolver`] answers IP
//! literals at once and caches name lookups for a few seconds.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use super::tracking::{record, CONNECT_FAILED};
use crate::url::default_port;

/// How long a resolved name is reused. Short, so that DNS changes (fail-over) are seen quickly.
const NAME_CACHE_TTL: Duration = Duration::from_secs(10);

/// Resolves IP literals at once and caches name lookups briefly.
#[derive(Default)]
pub struct FastResolver {
    default: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl fmt::Debug for FastResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FastResolver").finish_non_exhaustive()
    }
}

impl Resolver for FastResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(host), Some(scheme)) = (uri.host(), uri.scheme_str()) else {
            return self.default.resolve(uri, config, timeout);
        };
        let port = uri
            .port_u16()
            .unwrap_or_else(|| default_port(scheme == "https"));
        let bare_host = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare_host.parse::<IpAddr>() {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{bare_host}:{port}");
        if let Some((at, addrs)) = self.lock_cache().get(&key) {
            if at.elapsed() < NAME_CACHE_TTL {
                return Ok(addrs.clone());
            }
        }
        let addrs = self
            .default
            .resolve(uri, config, timeout)
            // Resolving is the first step of connecting: a failure sent nothing, so the retry
            // logic treats it as a failed connect.
            .inspect_err(|_| record(CONNECT_FAILED))?;
        self.lock_cache()
            .insert(key, (Instant::now(), addrs.clone()));
        Ok(addrs)
    }
}

impl FastResolver {
    fn lock_cache(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, ResolvedSocketAddrs)>> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts).
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
