//! `NO_PROXY` as curl reads it (lib/noproxy.c): which hosts are reached directly even though a
//! proxy is set in the environment.
//!
//! Entries are separated by commas or whitespace. `*` alone exempts every host. A name entry
//! exempts that name and every name below it (`example.com` and `.example.com` both exempt
//! `example.com` and `api.example.com`), without regard to letter case or a trailing dot. An IP
//! entry exempts that address, and a CIDR entry (`10.0.0.0/8`, `fd00::/8`) every address in
//! it; an IP host is never matched by name. Ports in entries are not supported (as in curl).

use std::net::IpAddr;

/// Whether `no_proxy` (the variable's value) exempts `host` (bare: an IPv6 address without
/// brackets).
pub(crate) fn exempts(no_proxy: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    let host_ip = host.parse::<IpAddr>().ok();
    no_proxy
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .any(|entry| match host_ip {
            _ if entry == "*" => true,
            Some(ip) => matches_ip(entry, ip),
            None => matches_name(entry, host),
        })
}

fn matches_name(entry: &str, host: &str) -> bool {
    let entry = entry.trim_start_matches('.').trim_end_matches('.');
    if entry.is_empty() || entry.len() > host.len() {
        return false;
    }
    let tail = &host[host.len() - entry.len()..];
    tail.eq_ignore_ascii_case(entry)
        && (host.len() == entry.len() || host.as_bytes()[host.len() - entry.len() - 1] == b'.')
}

fn matches_ip(entry: &str, ip: IpAddr) -> bool {
    let entry = entry.trim_start_matches('[').trim_end_matches(']');
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => match bits.parse::<u32>() {
            Ok(bits) => (address, Some(bits)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let Ok(network) = address.parse::<IpAddr>() else {
        return false;
    };
    match (network, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            prefix_matches(u32::from(n).into(), u32::from(a).into(), 32, bits)
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => prefix_matches(n.into(), a.into(), 128, bits),
        _ => false,
    }
}

/// Whether the first `bits` (all of them when `None`) of two `width`-bit addresses agree.
fn prefix_matches(network: u128, address: u128, width: u32, bits: Option<u32>) -> bool {
    let bits = bits.unwrap_or(width);
    if bits > width {
        return false;
    }
    if bits == 0 {
        return true;
    }
    let shift = width - bits;
    (network >> shift) == (address >> shift)
}

#[cfg(test)]
mod tests {
    use super::exempts;

    #[test]
    fn names_match_themselves_and_below_as_curl_does() {
        for list in [
            "moneydesktop.com",
            ".moneydesktop.com",
            "x, MoneyDesktop.COM.",
        ] {
            assert!(exempts(list, "api2.moneydesktop.com"), "{list}");
            assert!(exempts(list, "moneydesktop.com"), "{list}");
            assert!(!exempts(list, "notmoneydesktop.com"), "{list}");
        }
        assert!(exempts(
            "a.example other.example\tapi2.moneydesktop.com",
            "api2.moneydesktop.com"
        ));
        assert!(!exempts(
            "int-api2.moneydesktop.com",
            "api2.moneydesktop.com"
        ));
        assert!(exempts("*", "anything.example"));
        assert!(
            !exempts("*.example", "a.example"),
            "curl has no wildcards but `*` alone"
        );
        assert!(!exempts("", "api2.moneydesktop.com"));
        assert!(!exempts(" , ,", "api2.moneydesktop.com"));
    }

    #[test]
    fn addresses_match_exactly_or_by_cidr() {
        assert!(exempts("localhost,127.0.0.1", "127.0.0.1"));
        assert!(
            !exempts("localhost", "127.0.0.1"),
            "an IP host is not matched by name"
        );
        assert!(exempts("127.0.0.0/8", "127.1.2.3"));
        assert!(!exempts("10.0.0.0/8", "11.0.0.1"));
        assert!(exempts("0.0.0.0/0", "192.0.2.1"));
        assert!(!exempts("10.0.0.0/33", "10.0.0.1"));
        assert!(!exempts("10.0.0.0/x", "10.0.0.1"));
        assert!(exempts("::1", "::1"));
        assert!(exempts("[::1]", "::1"));
        assert!(exempts("fd00::/8", "fd12:3456::1"));
        assert!(!exempts("fd00::/8", "fe80::1"));
        assert!(!exempts("127.0.0.1", "::1"));
    }
}
