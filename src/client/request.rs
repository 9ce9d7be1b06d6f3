//! The one request path: every operation, whatever its row in the operations table, goes
//! through [`Client::call`]: credentials and ids checked, the body checked by its rules, then
//! sent with the retry rules of its class (`retry::decide`), creates resolved by read-back,
//! ensures by read → create → read; one event per attempt; the counters kept.

use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::events::{bump, Event};
use super::Client;
use crate::body::Checked;
use crate::error::Error;
use crate::http::answer::{attempt_error, give_up_on_retry_after, http_error, success_body};
use crate::http::attempt::{attempt, AttemptError};
use crate::http::tracking;
use crate::operation::{Operation, Resource, RetryClass};
use crate::options::{API_KEY_ENV, CLIENT_GUID_ENV, MAX_RETRIES_LIMIT};
use crate::redact::{mask_query_key, Secrets};
use crate::retry::{backoff, decide, Attempted, Budget, Decision, Kind};
use crate::url::{check_id, check_path_id, request_path, request_url};

/// The arguments of one call. `None` credentials mean the client's own options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Call<'a> {
    pub api_key: Option<&'a str>,
    pub client_guid: Option<&'a str>,
    /// The path id, for operations that take one.
    pub id: Option<&'a str>,
    /// The JSON body, for operations that take one.
    pub body: Option<&'a str>,
    pub options: CallOptions,
}

impl<'a> Call<'a> {
    pub fn new(id: Option<&'a str>, body: Option<&'a str>) -> Self {
        Call {
            id,
            body,
            ..Call::default()
        }
    }

    pub fn credentials(mut self, api_key: &'a str, client_guid: &'a str) -> Self {
        self.api_key = Some(api_key);
        self.client_guid = Some(client_guid);
        self
    }
}

/// Options of one call, overriding the client's (`call_options_json` of `mx_client_call`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallOptions {
    pub timeout_ms: Option<u64>,
    pub max_retries: Option<u32>,
}

impl CallOptions {
    /// Parses `{"timeout_ms": N, "max_retries": N}`; an unknown key or a bad value is an
    /// `InvalidArgument` naming it.
    pub fn from_json(text: &str) -> Result<CallOptions, Error> {
        let bad = |why: String| Error::InvalidArgument(format!("call_options_json: {why}"));
        let value: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let Value::Object(members) = value else {
            return Err(bad(
                "must be a JSON object such as {\"timeout_ms\": 2000}".into()
            ));
        };
        let mut options = CallOptions::default();
        for (key, value) in members {
            let number = || {
                value
                    .as_u64()
                    .ok_or_else(|| bad(format!("`{key}` must be a non-negative integer")))
            };
            match key.as_str() {
                "timeout_ms" => match number()? {
                    0 => return Err(bad("`timeout_ms` must be greater than 0".into())),
                    n => options.timeout_ms = Some(n),
                },
                "max_retries" => match number()? {
                    n if n > u64::from(MAX_RETRIES_LIMIT) => {
                        return Err(bad(format!(
                            "`max_retries` is {n}; at most {MAX_RETRIES_LIMIT} is accepted"
                        )))
                    }
                    n => options.max_retries = Some(n as u32),
                },
                _ => {
                    return Err(bad(format!(
                        "unknown field `{}`; accepted: timeout_ms, max_retries",
                        key.escape_debug()
                    )))
                }
            }
        }
        Ok(options)
    }
}

/// The state of one call across its requests (reads, creates, read-backs).
struct Ctx<'a> {
    call: Operation,
    api_key: &'a str,
    client_guid: &'a str,
    secrets: Secrets<'a>,
    deadline: Instant,
    timeout_ms: u64,
    max_retries: u32,
    /// Requests sent so far.
    attempts: u32,
    /// Retries counted against `max_retries`.
    retries: u32,
}

impl Ctx<'_> {
    fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

/// A failed request: the error to report, and what the retry rules learnt.
struct Failure {
    error: Error,
    /// The last attempt's outcome is unknown and a read-back may resolve it.
    read_back: bool,
    /// Some attempt's outcome was unknown (the request may have been processed).
    unknown_seen: bool,
}

impl Client {
    /// Runs one operation. On success, the operation's success text (design "Operations");
    /// every failure is an [`Error`] whose messages hold no secret.
    pub fn call(&self, op: Operation, call: &Call) -> Result<String, Error> {
        let mut checked_id = None;
        let mut ctx = None;
        let result = self.run(op, call, &mut checked_id, &mut ctx);
        let sent = ctx.as_ref().map_or(0, |ctx| ctx.attempts);
        if let Err(error) = &result {
            if sent == 0 {
                let path =
                    checked_id.map(|id| request_path(op.spec().resource.segment(), Some(id)));
                self.emit_refused(Some(op), path, error);
            }
        }
        self.finish(&result);
        result.map_err(|e| e.map_messages(mask_query_key))
    }

    /// A call refused before it reached [`Client::call`]'s own checks (a C argument, an unknown
    /// operation, a typed update's fields): one event (attempt 0, `op` named when known) and
    /// the counters, as for any refused call.
    pub(crate) fn refuse(&self, op: Option<Operation>, error: Error) -> Result<String, Error> {
        self.emit_refused(op, None, &error);
        let result = Err(error);
        self.finish(&result);
        result
    }

    fn finish(&self, result: &Result<String, Error>) {
        bump(&self.counters.calls);
        self.counters.finished(match result {
            Ok(_) => crate::Status::Ok,
            Err(e) => e.status(),
        });
    }

    fn emit_refused(&self, op: Option<Operation>, path: Option<String>, error: &Error) {
        if let Some(handler) = self.events.current() {
            let name = op.map_or("", Operation::name);
            let (outcome, message) = Event::outcome_of(Err(error));
            handler(&Event {
                call: name,
                op: name,
                method: op.map(|op| op.spec().method.as_str()),
                path,
                attempt: 0,
                outcome,
                http_status: None,
                elapsed_us: 0,
                connection: None,
                retry_in_ms: None,
                retry_after_ms: None,
                message: message.map(|m| mask_query_key(&m)),
                ts: super::events::rfc3339_now(),
            });
        }
    }

    fn run<'a>(
        &'a self,
        op: Operation,
        call: &Call<'a>,
        checked_id: &mut Option<&'a str>,
        ctx_out: &mut Option<Ctx<'a>>,
    ) -> Result<String, Error> {
        let spec = op.spec();
        let api_key = credential(
            call.api_key,
            self.options.api_key.as_deref(),
            "api_key",
            API_KEY_ENV,
        )?;
        let client_guid = credential(
            call.client_guid,
            self.options.client_guid.as_deref(),
            "client_guid",
            CLIENT_GUID_ENV,
        )?;
        check_id("api_key", api_key)?;
        check_id("client_guid", client_guid)?;
        let checked = self.check_arguments(op, call.id, call.body, checked_id)?;
        let timeout_ms = call.options.timeout_ms.unwrap_or(self.options.timeout_ms);
        let ctx = ctx_out.insert(Ctx {
            call: op,
            api_key,
            client_guid,
            secrets: Secrets::new(
                api_key,
                checked
                    .iter()
                    .flat_map(|c| c.secrets.iter())
                    .chain(&self.proxy_secrets)
                    .cloned()
                    .collect(),
            ),
            deadline: Instant::now() + Duration::from_millis(timeout_ms),
            timeout_ms,
            max_retries: call.options.max_retries.unwrap_or(self.options.max_retries),
            attempts: 0,
            retries: 0,
        });
        let body = checked.as_ref().map(|c| c.json.as_str());
        match (spec.retry, checked.as_ref()) {
            (RetryClass::Idempotent, _) => self
                .send(ctx, op, call.id, body, Kind::Idempotent, false)
                .map_err(|f| f.error),
            (RetryClass::Delete, _) => {
                match self.send(ctx, op, call.id, None, Kind::Idempotent, false) {
                    // An earlier attempt whose outcome was unknown did the delete.
                    Err(f) if f.unknown_seen && is_not_found(spec.resource, &f.error) => {
                        Ok("{}".into())
                    }
                    other => other.map_err(|f| f.error),
                }
            }
            (RetryClass::Create, Some(checked)) => self.create(ctx, spec.resource, checked),
            (RetryClass::Ensure, Some(checked)) => self.ensure(ctx, spec.resource, checked),
            (RetryClass::Create | RetryClass::Ensure, None) => {
                Err(Error::Internal(format!("{} has no body rules", spec.name)))
            }
        }
    }

    /// Checks a call's id and body as every call does before sending: the id given where the
    /// operation takes one (and by the id rules), the body by its rules under this client's
    /// `strict_fields`, an ensure's external guid. `checked_id` is set once the id has passed, so
    /// that a refusal after that reports the path the call would have used.
    pub(super) fn check_arguments<'a>(
        &self,
        op: Operation,
        id: Option<&'a str>,
        body: Option<&str>,
        checked_id: &mut Option<&'a str>,
    ) -> Result<Option<Checked>, Error> {
        let spec = op.spec();
        let id_name = spec.resource.id_name();
        match (spec.takes_id, id) {
            (true, None) => {
                return Err(Error::InvalidArgument(format!(
                    "{} takes an id ({}) and none was given",
                    spec.name,
                    spec.resource.id_kinds()
                )))
            }
            (false, Some(_)) => {
                return Err(Error::InvalidArgument(format!(
                    "{} takes no id (the body names the {}); pass NULL",
                    spec.name,
                    spec.resource.segment()
                )))
            }
            _ => {}
        }
        match (spec.body, body) {
            (Some(_), None) => {
                return Err(Error::InvalidArgument(format!(
                    "json_body is missing; {} takes a JSON object body",
                    spec.name
                )))
            }
            (None, Some(_)) => {
                return Err(Error::InvalidArgument(format!(
                    "{} takes no body; pass NULL as json_body",
                    spec.name
                )))
            }
            _ => {}
        }
        if let Some(id) = id {
            check_path_id(id_name, id, spec.resource.id_kinds())?;
            // A refusal from here on reports the path the call would have used.
            *checked_id = Some(id);
        }
        let checked = match (spec.body, body) {
            (Some(rules), Some(text)) => Some(rules.check(text, self.options.strict_fields)?),
            _ => None,
        };
        if spec.retry == RetryClass::Ensure
            && checked.as_ref().is_some_and(|c| c.external_guid.is_none())
        {
            let field = match spec.resource {
                Resource::User => "external_user_guid",
                Resource::Member => "external_member_guid",
            };
            return Err(Error::Validation(format!(
                "json_body has no {field}; {} reads the {} by it first, so it is required",
                spec.name,
                spec.resource.segment()
            )));
        }
        Ok(checked)
    }

    /// A create: sent, retried while nothing was processed; an unknown outcome is resolved by
    /// reading the external guid back (found: done; not found: sent again within the budget).
    fn create(
        &self,
        ctx: &mut Ctx,
        resource: Resource,
        checked: &Checked,
    ) -> Result<String, Error> {
        let op = resource.create();
        let guid = checked.external_guid.as_deref();
        loop {
            let failure = match self.send(
                ctx,
                op,
                None,
                Some(&checked.json),
                Kind::Create,
                guid.is_some(),
            ) {
                Ok(body) => return Ok(body),
                Err(f) => f,
            };
            let what = resource.segment();
            let Some(guid) = guid.filter(|_| failure.read_back) else {
                if !failure.unknown_seen {
                    return Err(failure.error);
                }
                let why = if guid.is_none() {
                    "it carried no external guid to read it back by, so it was not sent again"
                        .to_string()
                } else {
                    "no time was left to read it back".to_string()
                };
                return Err(failure.error.with_message(|m| {
                    format!("{m}; the {what} may or may not have been created ({why})")
                }));
            };
            bump(&self.counters.read_backs);
            match self.send(
                ctx,
                resource.read(),
                Some(guid),
                None,
                Kind::Idempotent,
                false,
            ) {
                Ok(body) => return Ok(body),
                Err(read) if is_not_found(resource, &read.error) => {
                    let wait = backoff(ctx.retries);
                    if ctx.retries >= ctx.max_retries || wait >= ctx.left() {
                        let attempts = ctx.attempts;
                        return Err(failure
                            .error
                            .with_message(|m| {
                                format!(
                                    "{m}; reading it back found no {what}, so it was not \
                                     created, and no retry is left to send it again"
                                )
                            })
                            .with_attempts(attempts));
                    }
                    thread::sleep(wait);
                    ctx.retries += 1;
                    bump(&self.counters.retries);
                }
                Err(read) => {
                    let first = failure.error.to_string();
                    return Err(read.error.with_message(|m| {
                        format!(
                            "the outcome of the create is unknown ({first}), and reading the \
                             {what} back failed: {m}"
                        )
                    }));
                }
            }
        }
    }

    /// MX's workflow: read by external guid; create when not found; a create refused because
    /// another process created it meanwhile is answered by a second read.
    fn ensure(
        &self,
        ctx: &mut Ctx,
        resource: Resource,
        checked: &Checked,
    ) -> Result<String, Error> {
        let guid = checked.external_guid.as_deref().unwrap_or_default();
        let read = resource.read();
        match self.send(ctx, read, Some(guid), None, Kind::Idempotent, false) {
            Ok(body) => return Ok(ensured(resource, false, &body)),
            Err(f) if is_not_found(resource, &f.error) => {}
            Err(f) => return Err(f.error),
        }
        match self.create(ctx, resource, checked) {
            Ok(body) => Ok(ensured(resource, true, &body)),
            Err(refused) if is_duplicate(resource, &refused) => {
                match self.send(ctx, read, Some(guid), None, Kind::Idempotent, false) {
                    Ok(body) => {
                        bump(&self.counters.races);
                        Ok(ensured(resource, false, &body))
                    }
                    Err(f) if is_not_found(resource, &f.error) => {
                        let attempts = ctx.attempts;
                        Err(refused.with_attempts(attempts))
                    }
                    Err(f) => Err(f.error),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// One request with the retry rules of `kind`, one event per attempt.
    fn send(
        &self,
        ctx: &mut Ctx,
        op: Operation,
        id: Option<&str>,
        body: Option<&str>,
        kind: Kind,
        can_read_back: bool,
    ) -> Result<String, Failure> {
        let spec = op.spec();
        let path = request_path(spec.resource.segment(), id);
        let url = request_url(&self.base.prefix, &path, ctx.api_key, ctx.client_guid);
        let empty_ok = !spec.documented;
        let mut stale_retry_used = false;
        let mut fresh_connection = false;
        let mut unknown_seen = false;
        loop {
            let remaining = ctx.left();
            if remaining.is_zero() {
                return Err(Failure {
                    error: Error::Timeout {
                        message: format!(
                            "timeout_ms ({} ms) passed after {} attempt(s)",
                            ctx.timeout_ms, ctx.attempts
                        ),
                        attempts: ctx.attempts,
                    },
                    read_back: false,
                    unknown_seen,
                });
            }
            ctx.attempts += 1;
            bump(&self.counters.attempts);
            let started = Instant::now();
            tracking::start_attempt();
            let agent = if std::mem::take(&mut fresh_connection) {
                &self.fresh_agent
            } else {
                &self.agent
            };
            let outcome = attempt(agent, &self.options, spec.method, &url, body, remaining);
            let trace = tracking::finish_attempt();
            if trace.connect_started && !trace.connect_failed {
                bump(&self.counters.connections_opened);
                if self.base.https {
                    bump(&self.counters.tls_handshakes);
                }
            }
            let attempts = ctx.attempts;
            // The handler current when the attempt ends (it may be replaced between attempts).
            let report = |ctx: &Ctx,
                          result: Result<(), &Error>,
                          http_status,
                          retry_in: Option<Duration>,
                          retry_after: Option<Duration>| {
                if let Some(handler) = self.events.current() {
                    let (outcome, message) = Event::outcome_of(result);
                    handler(&Event {
                        call: ctx.call.name(),
                        op: op.name(),
                        method: Some(spec.method.as_str()),
                        path: Some(path.clone()),
                        attempt: attempts,
                        outcome,
                        http_status,
                        elapsed_us: started.elapsed().as_micros() as u64,
                        connection: Some(if trace.connect_started {
                            "new"
                        } else {
                            "reused"
                        }),
                        retry_in_ms: retry_in.map(|d| d.as_millis() as u64),
                        retry_after_ms: retry_after
                            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                        message: message.map(|m| mask_query_key(&m)),
                        ts: super::events::rfc3339_now(),
                    });
                }
            };
            let (error, attempted, http_status) = match outcome {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    let status = answer.status;
                    let result = success_body(answer, attempts, &ctx.secrets, empty_ok);
                    report(ctx, result.as_ref().map(drop), Some(status), None, None);
                    return result.map_err(|error| Failure {
                        error,
                        read_back: false,
                        unknown_seen,
                    });
                }
                Ok(answer) => (
                    http_error(&answer, attempts, &ctx.secrets),
                    Attempted::Answer {
                        status: answer.status,
                        retry_after: answer.retry_after,
                    },
                    Some(answer.status),
                ),
                Err(failure) => {
                    let attempted = match &failure {
                        AttemptError::Connect(_) | AttemptError::ConnectTimeout => {
                            Attempted::ConnectFailed
                        }
                        AttemptError::Tls(_) => Attempted::Refused,
                        AttemptError::Proxy(proxy) if proxy.is_final() => Attempted::Refused,
                        AttemptError::Proxy(_) => Attempted::ConnectFailed,
                        AttemptError::ClosedWithoutAnswer(_) => Attempted::Closed {
                            pooled: !trace.connect_started,
                        },
                        AttemptError::TooLarge { .. }
                        | AttemptError::Timeout
                        | AttemptError::Other(_) => Attempted::Lost,
                    };
                    let http_status = match &failure {
                        AttemptError::TooLarge { status, .. } => Some(*status),
                        _ => None,
                    };
                    let error = attempt_error(
                        failure,
                        attempts,
                        &self.options,
                        &self.server,
                        remaining,
                        &ctx.secrets,
                    );
                    (error, attempted, http_status)
                }
            };
            unknown_seen |= attempted.is_unknown();
            let budget = Budget {
                retries: ctx.retries,
                max_retries: ctx.max_retries,
                stale_retry_used,
                left: ctx.left(),
                backoff: backoff(ctx.retries),
            };
            let decision = decide(kind, attempted, budget, can_read_back);
            let retry_in = match decision {
                Decision::RetryFresh => Some(Duration::ZERO),
                Decision::RetryAfter(wait) => Some(wait),
                _ => None,
            };
            let retry_after = match attempted {
                Attempted::Answer { retry_after, .. } => retry_after,
                _ => None,
            };
            report(ctx, Err(&error), http_status, retry_in, retry_after);
            let stop = |error: Error, read_back: bool| {
                Err(Failure {
                    error,
                    read_back,
                    unknown_seen,
                })
            };
            match decision {
                Decision::Stop => return stop(error, false),
                Decision::ReadBack => return stop(error, true),
                Decision::StopRetryAfterTooLong { asked } => {
                    return stop(give_up_on_retry_after(error, asked, budget.left), false)
                }
                Decision::RetryFresh => {
                    stale_retry_used = true;
                    fresh_connection = true;
                }
                Decision::RetryAfter(wait) => {
                    thread::sleep(wait);
                    ctx.retries += 1;
                }
            }
            bump(&self.counters.retries);
        }
    }
}

/// The call's credential: the argument, else the client's option, else an error that says how
/// to set it.
fn credential<'a>(
    given: Option<&'a str>,
    own: Option<&'a str>,
    name: &str,
    env: &str,
) -> Result<&'a str, Error> {
    given.or(own).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "no {name}: the call gave none and the client has no {name} option; set the option \
             when making the client (the default client reads {env})"
        ))
    })
}

fn is_not_found(resource: Resource, error: &Error) -> bool {
    error
        .http_status()
        .is_some_and(|status| resource.is_not_found(status, error.mx_error()))
}

/// A create refused because the resource exists: MX's `User already exists with guid …` (400);
/// for members the text is undocumented, so any 400.
fn is_duplicate(resource: Resource, error: &Error) -> bool {
    matches!(error, Error::Http { status: 400, .. })
        && (resource == Resource::Member
            || error
                .mx_error()
                .is_some_and(|t| t.to_ascii_lowercase().contains("already exists")))
}

/// `{"created": …, "user": <MX's JSON>}`.
fn ensured(resource: Resource, created: bool, body: &str) -> String {
    format!("{{\"created\":{created},\"{}\":{body}}}", resource.key())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_options_name_what_is_wrong() {
        assert_eq!(
            CallOptions::from_json(r#"{"timeout_ms": 5, "max_retries": 0}"#).unwrap(),
            CallOptions {
                timeout_ms: Some(5),
                max_retries: Some(0)
            }
        );
        for (text, needle) in [
            (r#"{"timeout": 5}"#, "unknown field `timeout`"),
            (r#"{"timeout_ms": 0}"#, "greater than 0"),
            (r#"{"timeout_ms": "5"}"#, "`timeout_ms`"),
            (r#"{"max_retries": 11}"#, "at most 10"),
            ("[]", "JSON object"),
            ("nope", "call_options_json"),
        ] {
            let err = CallOptions::from_json(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }

    #[test]
    fn ensure_answers_wrap_mx_json() {
        assert_eq!(
            ensured(Resource::User, true, r#"{"guid":"USR-1"}"#),
            r#"{"created":true,"user":{"guid":"USR-1"}}"#
        );
        let v: Value = serde_json::from_str(&ensured(Resource::Member, false, "{}")).unwrap();
        assert_eq!(v["created"], false);
        assert!(v["member"].is_object());
    }
}
