//! HTTP: one attempt on a ureq agent ([`attempt`]), what its answer means ([`answer`]), and the
//! hooks under ureq: name resolution ([`resolver`]), connection tracking ([`tracking`]), the
//! tunnel through a CONNECT proxy ([`tunnel`]), the lean TCP transport ([`tcp`]), TLS over it ([`tls_stream`]) and
//! its settings ([`tls`]).

pub(crate) mod answer;
pub(crate) mod attempt;
pub(crate) mod quote;
pub(crate) mod resolver;
pub(crate) mod tcp;
pub(crate) mod tls;
pub(crate) mod tls_stream;
pub(crate) mod tracking;
pub(crate) mod tunnel;
