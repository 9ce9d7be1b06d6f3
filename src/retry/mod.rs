//! Retries: how long to wait ([`backoff`]) and whether to try again at all ([`policy`]).

mod backoff;
mod policy;

pub use backoff::{backoff, is_retryable_status, parse_retry_after};
pub(crate) use policy::{decide, Attempted, Budget, Decision, Kind};
