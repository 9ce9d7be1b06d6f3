//! How long to wait: exponential backoff with jitter, and `Retry-After`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// First backoff step; each retry doubles it.
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// Longest backoff step before jitter.
const BACKOFF_CAP: Duration = Duration::from_secs(8);

/// HTTP statuses worth another attempt: rate limiting and a gateway or server that is
/// temporarily away. 400, 404 and 500 are MX's answers about the request itself and never are.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// The wait before retry number `retry` (0 for the first retry): `250 ms * 2^retry`, capped at
/// 8 s, scaled by a random factor in [0.5, 1.0) so that many clients do not retry in step.
pub fn backoff(retry: u32) -> Duration {
    let step = BACKOFF_BASE
        .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
        .min(BACKOFF_CAP);
    step.mul_f64(0.5 + 0.5 * random_unit())
}

/// A random number in [0, 1). Jitter needs no cryptographic quality; `RandomState` is seeded
/// randomly per instance by the standard library, which saves a dependency.
fn random_unit() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x6d78_2d73_736f);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Parses a `Retry-After` value: delay seconds (`120`) or an HTTP date
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), relative to `now`. A date in the past means no wait; a
/// number of seconds too large for 64 bits means "longer than any deadline", not "no advice".
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// IMF-fixdate, the form HTTP/1.1 servers must send: `Sun, 06 Nov 1994 08:49:37 GMT`.
/// Years are four digits (RFC 9110), which also keeps the arithmetic below far from overflow.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = value.split_ascii_whitespace().collect();
    let [_weekday, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let day: u64 = day.parse().ok()?;
    let month = 1 + [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as u64;
    let year: u64 = year.parse().ok()?;
    let hms: Vec<u64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || !(1970..=9999).contains(&year) || *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    let days = days_since_epoch(year, month, day);
    UNIX_EPOCH.checked_add(Duration::from_secs(days * 86_400 + h * 3_600 + m * 60 + s))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_statuses_are_the_documented_ones() {
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 400, 401, 404, 409, 500, 501] {
            assert!(!is_retryable_status(s));
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        for retry in 0..40 {
            let nominal = BACKOFF_BASE
                .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
                .min(BACKOFF_CAP);
            let wait = backoff(retry);
            assert!(
                wait >= nominal / 2 && wait < nominal,
                "retry {retry}: {wait:?}"
            );
        }
        let waits: std::collections::HashSet<Duration> = (0..20).map(|_| backoff(3)).collect();
        assert!(waits.len() > 1, "jitter must vary");
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770); // Sun, 06 Nov 1994 08:49:30 GMT
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            // A huge year must not overflow the date arithmetic.
            "Sun, 06 Nov 18446744073709551615 08:49:37 GMT",
            "Sun, 06 Nov 99999999999 08:49:37 GMT",
            "Sun, 06 Nov 10000 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
        assert_eq!(days_since_epoch(2000, 3, 1), 11_017);
        assert!(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now).is_some());
        // Seconds beyond 64 bits: a wait longer than any deadline, so the caller gives up.
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }
}
