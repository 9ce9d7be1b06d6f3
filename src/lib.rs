//! mx-sso
