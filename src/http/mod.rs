//! HTTP: one attempt on a ureq agent ([`attempt`]), what its answer means ([`answer`]) and how
//! foreign text is quoted ([`quote`]), and the hooks under ureq: name resolution
//! ([`resolver`]), connection tracking ([`tracking`]), the tunnel through a CONNECT proxy
//! ([`tunnel`], its failures in [`proxy_error`]), the lean TCP transport ([`tcp`]), and TLS
//! over it ([`tls`]) with its settings ([`tls_config`]).

pub(crate) mod answer;
pub(crate) mod attempt;
pub(crate) mod proxy_error;
pub(crate) mod quote;
pub(crate) mod resolver;
pub(crate) mod tcp;
pub(crate) mod tls;
pub(crate) mod tls_config;
pub(crate) mod tracking;
pub(crate) mod tunnel;
