//! The client: its options, two ureq agents over one connector chain, events and counters, and
//! the public calls. Every call goes through one request path ([`request`]); the named methods
//! here are one line each over it.

mod events;
mod request;

use std::sync::OnceLock;

use ureq::Agent;

use crate::body::UserUpdate;
use crate::error::Error;
use crate::http::answer::server_route;
use crate::http::attempt::agent;
use crate::operation::Operation;
use crate::options::{BaseUrl, Options};

pub use events::{Event, EventHandler};
pub use request::{Call, CallOptions};

/// A client for the MX SSO API v2: its options, one connection pool, an optional event
/// handler and counters.
///
/// Thread-safe: share one client between threads (`&Client` is enough); connections and TLS
/// sessions are reused across calls and threads.
pub struct Client {
    agent: Agent,
    /// Same settings, no pool: the one retry after a pooled connection turned out to be closed
    /// must run on a new connection, not on the next idle one (which may be just as stale).
    fresh_agent: Agent,
    base: BaseUrl,
    options: Options,
    /// The proxy's password and token, masked in messages like the call's own secrets.
    proxy_secrets: Vec<String>,
    /// The server and the route to it, as connect failures name them.
    server: String,
    events: events::EventSink,
    counters: events::Counters,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client; no connection is made until the first call.
    pub fn new(options: Options) -> Result<Client, Error> {
        let base = options.check()?;
        let proxy = crate::proxy::proxy(options.proxy.as_deref(), &base)?;
        let https_proxy = proxy.as_ref().is_some_and(|p| p.is_https());
        let tls = crate::http::tls_config::client_config(
            base.https || https_proxy,
            options.ca_file.as_deref(),
        )?;
        Ok(Client {
            agent: agent(&options, proxy.as_ref(), tls.clone(), true),
            fresh_agent: agent(&options, proxy.as_ref(), tls, false),
            proxy_secrets: proxy.as_ref().map(|p| p.secrets()).unwrap_or_default(),
            server: server_route(&base, proxy.as_ref().map(|p| &*p.label)),
            base,
            options,
            events: events::EventSink::default(),
            counters: events::Counters::default(),
        })
    }

    /// Builds a client from the options JSON object of the C API (`None`: all defaults).
    pub fn from_json(options_json: Option<&str>) -> Result<Client, Error> {
        let options = match options_json {
            Some(text) => Options::from_json(text)?,
            None => Options::default(),
        };
        Client::new(options)
    }

    /// The options this client was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Sets (or with `None` removes) the handler that receives one [`Event`] per attempt.
    /// Safe while other threads call: attempts that end after it returns see the new handler.
    pub fn set_event_handler(&self, handler: Option<EventHandler>) {
        self.events.set(handler);
    }

    /// The counters since the client was made, as a JSON object (see the README's "Audit and
    /// monitoring").
    pub fn stats_json(&self) -> String {
        self.counters.to_json()
    }

    /// Runs one operation by its public name (`"user.update"`), as `mx_client_call` does.
    pub fn call_named(&self, operation: &str, call: &Call) -> Result<String, Error> {
        let operation = Operation::from_name(operation);
        match operation {
            Ok(op) => self.call(op, call),
            Err(e) => self.refuse(None, e),
        }
    }

    /// Checks `id` and `body` for `op` exactly as [`Client::call`] does before sending (the id
    /// given where the operation takes one, the id rules, the body rules under this client's
    /// `strict_fields`, an ensure's external guid), and sends nothing: no request, no event, no
    /// counter. `Ok` means `call` would send them, given usable credentials. For tools that check
    /// a whole batch before the first row is sent.
    pub fn check(&self, op: Operation, id: Option<&str>, body: Option<&str>) -> Result<(), Error> {
        self.check_arguments(op, id, body, &mut None).map(drop)
    }

    /// Update user with a typed body and explicit credentials. Returns MX's JSON as received.
    pub fn update_user(
        &self,
        api_key: &str,
        client_guid: &str,
        user_guid: &str,
        update: &UserUpdate,
    ) -> Result<String, Error> {
        if let Err(e) = update.validate().and_then(|()| self.strict_extra(update)) {
            return self.refuse(Some(Operation::UserUpdate), e);
        }
        let body = update.to_json();
        self.call(
            Operation::UserUpdate,
            &Call::new(Some(user_guid), Some(&body)).credentials(api_key, client_guid),
        )
    }

    /// Update user with a JSON body and explicit credentials (the 0.1 call).
    pub fn update_user_json(
        &self,
        api_key: &str,
        client_guid: &str,
        user_guid: &str,
        json_body: &str,
    ) -> Result<String, Error> {
        self.call(
            Operation::UserUpdate,
            &Call::new(Some(user_guid), Some(json_body)).credentials(api_key, client_guid),
        )
    }

    fn strict_extra(&self, update: &UserUpdate) -> Result<(), Error> {
        if self.options.strict_fields && !update.extra.is_empty() {
            let names: Vec<&str> = update.extra.names().collect();
            return Err(Error::Validation(format!(
                "unknown field(s) {}; accepted fields: {}",
                names.join(", "),
                crate::body::FIELDS.join(", ")
            )));
        }
        Ok(())
    }
}

/// The named calls on the client's own credentials: one line each over [`Client::call`].
macro_rules! named_calls {
    ($( $(#[doc = $doc:literal])* $name:ident($($arg:ident),*) => $op:ident($id:expr, $body:expr); )*) => {
        impl Client {
            $(
                $(#[doc = $doc])*
                pub fn $name(&self, $($arg: &str),*) -> Result<String, Error> {
                    self.call(Operation::$op, &Call::new($id, $body))
                }
            )*
        }
    };
}

named_calls! {
    /// Create user (`POST /user`); MX's JSON.
    create_user(json_body) => UserCreate(None, Some(json_body));
    /// Read user (`GET /user/{id}`); MX's JSON.
    read_user(user_guid) => UserRead(Some(user_guid), None);
    /// Delete user (`DELETE /user/{id}`); MX's JSON, or `{}`.
    delete_user(user_guid) => UserDelete(Some(user_guid), None);
    /// Read the user by `external_user_guid`, create it if missing:
    /// `{"created": true|false, "user": ...}`.
    ensure_user(json_body) => UserEnsure(None, Some(json_body));
    /// Create member (`POST /member`); MX's JSON.
    create_member(json_body) => MemberCreate(None, Some(json_body));
    /// Read member (`GET /member/{id}`); MX's JSON.
    read_member(member_guid) => MemberRead(Some(member_guid), None);
    /// Update member (`PUT /member/{id}`), new credentials; MX's JSON.
    update_member(member_guid, json_body) => MemberUpdate(Some(member_guid), Some(json_body));
    /// Delete member (`DELETE /member/{id}`); MX's JSON, or `{}`.
    delete_member(member_guid) => MemberDelete(Some(member_guid), None);
    /// Read the member by `external_member_guid`, create it if missing:
    /// `{"created": true|false, "member": ...}`.
    ensure_member(json_body) => MemberEnsure(None, Some(json_body));
}

/// The process-wide client behind the one-shot calls, made at first use from the environment
/// (`MX_SSO_BASE_URL`, `MX_SSO_API_KEY`, `MX_SSO_CLIENT_GUID`). If that fails, every one-shot
/// call reports the same error.
pub fn default_client() -> Result<&'static Client, Error> {
    static DEFAULT: OnceLock<Result<Client, String>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            Options::from_env()
                .and_then(Client::new)
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|message| Error::InvalidArgument(message.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_refuses_exactly_what_call_refuses_and_sends_nothing() {
        // Port 9 on loopback: a call that got past its checks would fail to connect instead.
        let client = Client::new(Options {
            base_url: "http://127.0.0.1:9".into(),
            api_key: Some("SECRET-KEY-1".into()),
            client_guid: Some("CLT-1".into()),
            ..Options::default()
        })
        .unwrap();
        let cases: [(Operation, Option<&str>, Option<&str>); 8] = [
            (
                Operation::UserUpdate,
                Some("u1"),
                Some(r#"{"status":"ACTIVE"}"#),
            ),
            (
                Operation::UserUpdate,
                Some("u1"),
                Some(r#"{"stauts":"DISABLED"}"#),
            ),
            (
                Operation::UserUpdate,
                None,
                Some(r#"{"status":"DISABLED"}"#),
            ),
            (
                Operation::UserUpdate,
                Some(".."),
                Some(r#"{"status":"DISABLED"}"#),
            ),
            (Operation::UserRead, Some("u1"), Some("{}")),
            (
                Operation::UserCreate,
                Some("u1"),
                Some(r#"{"external_user_guid":"u1"}"#),
            ),
            (
                Operation::UserEnsure,
                None,
                Some(r#"{"email":"a@b.example"}"#),
            ),
            (
                Operation::MemberUpdate,
                Some("m1"),
                Some(r#"{"credentials":[]}"#),
            ),
        ];
        for (op, id, body) in cases {
            let checked = client.check(op, id, body).unwrap_err();
            let called = client.call(op, &Call::new(id, body)).unwrap_err();
            assert_eq!(
                checked.to_json(),
                called.to_json(),
                "{op:?} {id:?} {body:?}"
            );
        }
        let before = client.stats_json();
        client
            .check(
                Operation::UserUpdate,
                Some("u1"),
                Some(r#"{"status":"DISABLED"}"#),
            )
            .unwrap();
        client.check(Operation::UserRead, Some("u1"), None).unwrap();
        assert_eq!(client.stats_json(), before, "check counts nothing");
        // The same arguments get past the checks in a call: it fails only at connecting.
        let sent = client
            .call(Operation::UserRead, &Call::new(Some("u1"), None))
            .unwrap_err();
        assert!(sent.attempts().unwrap_or(0) > 0, "{sent}");
    }

    #[test]
    fn debug_output_holds_no_secret_field() {
        let client = Client::new(Options {
            base_url: "http://127.0.0.1:9/prefix/".into(),
            api_key: Some("SECRET-KEY-1".into()),
            ..Options::default()
        })
        .unwrap();
        let text = format!("{client:?}");
        assert!(
            text.contains("base_url") && !text.contains("SECRET-KEY-1"),
            "{text}"
        );
    }
}
