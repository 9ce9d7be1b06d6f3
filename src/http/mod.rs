//! HTTP: one attempt on a ureq agent ([`attempt`]), what its answer means ([`answer`]), and the
//! hooks under ureq: name resolution ([`resolver`]), connection tracking ([`tracking`]), the
//! lean TCP transport ([`tcp`]) and TLS roots ([`tls`]).

pub(crate) mod answer;
pub(crate) mod attempt;
pub(crate) mod resolver;
pub(crate) mod tcp;
pub(crate) mod tls;
pub(crate) mod tracking;
