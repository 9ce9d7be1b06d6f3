//! Generated identifiers: MX-looking guids (`USR-…`, `MBR-…`) and login tokens.

use std::time::{SystemTime, UNIX_EPOCH};

/// A small, fast, non-cryptographic generator for guids and tokens (splitmix64).
pub(crate) struct IdGenerator {
    state: u64,
}

impl IdGenerator {
    pub(crate) fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        IdGenerator {
            state: nanos ^ (u64::from(std::process::id()) << 32),
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `USR-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, MX's prefixed-UUID look.
    pub(crate) fn user_guid(&mut self) -> String {
        self.prefixed("USR")
    }

    /// `MBR-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    pub(crate) fn member_guid(&mut self) -> String {
        self.prefixed("MBR")
    }

    fn prefixed(&mut self, prefix: &str) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{prefix}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    /// An opaque token in MX's look (letters, digits, `-`, `_`).
    pub(crate) fn login_token(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::with_capacity(48);
        for _ in 0..4 {
            let mut bits = self.next();
            for _ in 0..10 {
                out.push(ALPHABET[(bits & 63) as usize] as char);
                bits >>= 6;
            }
        }
        out
    }
}
