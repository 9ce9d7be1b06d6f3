//! `NO_PROXY` as curl reads it (`Curl_check_noproxy` in curl's lib/noproxy.c): which hosts are
//! reached directly even though a proxy is set in the environment.
//!
//! The value `*` exempts every host. Otherwise entries are separated by commas, with blanks
//! around them; a blank not followed by a comma ends the list. A name entry exempts that name and
//! every name below it (`example.com` and `.example.com` both exempt `example.com` and
//! `api.example.com`), whatever the letter case, ignoring one trailing dot. When the host is an
//! IP address, an entry is an address or a CIDR range (`10.0.0.0/8`, `fd00::/8`; a `/0` means
//! the address alone, as in curl); names never match it. Ports in entries are not supported.

use std::net::IpAddr;

/// Whether `no_proxy` (the variable's value) exempts `host` (bare: an IPv6 address without
/// brackets).
pub(crate) fn exempts(no_proxy: &str, host: &str) -> bool {
    if no_proxy == "*" {
        return true;
    }
    let ip = host.parse::<IpAddr>().ok();
    let name = host.strip_suffix('.').unwrap_or(host);
    entries(no_proxy).any(|entry| match ip {
        Some(ip) => matches_ip(entry, ip),
        None => matches_name(entry, name),
    })
}

/// The entries of the list, as curl's loop takes them.
fn entries(list: &str) -> impl Iterator<Item = &str> {
    let is_blank = |c: char| c == ' ' || c == '\t';
    let mut rest = Some(list);
    std::iter::from_fn(move || loop {
        let text = rest?.trim_start_matches(is_blank);
        let end = text
            .find(|c: char| is_blank(c) || c == ',')
            .unwrap_or(text.len());
        let (entry, after) = text.split_at(end);
        let after = after.trim_start_matches(is_blank);
        rest = after
            .starts_with(',')
            .then(|| after.trim_start_matches(','));
        if !entry.is_empty() {
            return Some(entry);
        }
    })
}

fn matches_name(entry: &str, name: &str) -> bool {
    let entry = entry.strip_suffix('.').unwrap_or(entry);
    let entry = entry.strip_prefix('.').unwrap_or(entry);
    if entry.is_empty() || entry.len() > name.len() {
        return false;
    }
    let split = name.len() - entry.len();
    name.is_char_boundary(split)
        && name[split..].eq_ignore_ascii_case(entry)
        && (split == 0 || name.as_bytes()[split - 1] == b'.')
}

fn matches_ip(entry: &str, ip: IpAddr) -> bool {
    let (address, bits) = match entry.split_once('/') {
        // curl reads the bits with atoi: text that is not a number is 0, "the whole address".
        Some((address, bits)) => (address, bits.parse::<u32>().unwrap_or(0)),
        None => (entry, 0),
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

/// Whether the first `bits` of two `width`-bit addresses agree; 0 bits means all of them.
fn prefix_matches(network: u128, address: u128, width: u32, bits: u32) -> bool {
    let bits = if bits == 0 { width } else { bits };
    if bits > width {
        return false;
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
            assert!(exempts(list, "api2.moneydesktop.com."), "{list}");
            assert!(!exempts(list, "notmoneydesktop.com"), "{list}");
        }
        assert!(exempts(
            "a.example , ,other.example,\tapi2.moneydesktop.com",
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
        assert!(
            !exempts("localhost,*", "a.example"),
            "`*` counts only as the whole value"
        );
        assert!(!exempts("", "api2.moneydesktop.com"));
        assert!(!exempts(" , ,", "api2.moneydesktop.com"));
        // A blank not followed by a comma ends the list, as in curl.
        assert!(!exempts(
            "localhost api2.moneydesktop.com",
            "api2.moneydesktop.com"
        ));
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
        assert!(
            !exempts("0.0.0.0/0", "192.0.2.1"),
            "/0 is the address alone, as in curl"
        );
        assert!(exempts("192.0.2.1/0", "192.0.2.1"));
        assert!(!exempts("10.0.0.0/33", "10.0.0.1"));
        assert!(exempts("::1", "::1"));
        assert!(
            !exempts("[::1]", "::1"),
            "curl does not strip brackets from entries"
        );
        assert!(exempts("fd00::/8", "fd12:3456::1"));
        assert!(!exempts("fd00::/8", "fe80::1"));
        assert!(!exempts("127.0.0.1", "::1"));
    }
}
