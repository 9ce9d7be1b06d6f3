//! The retry decision as a pure function: what one attempt gave, how much of the call's budget
//! is left → return, retry at once, wait and retry, or resolve by reading back (design "Retries,
//! by operation"). No sockets, no clock: the request path feeds it and obeys it.

use std::time::Duration;

use super::backoff::is_retryable_status;

/// How an attempt ended, as far as retrying is concerned. A 2xx never gets here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attempted {
    /// A non-2xx answer, with the server's `Retry-After` if it gave one.
    Answer {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// Resolving, connecting or the proxy tunnel failed (or timed out): nothing was sent.
    ConnectFailed,
    /// The TLS handshake, or the proxy (its credentials, its policy, or no usable answer after
    /// credentials were sent), refused the connection: retrying cannot change that, and
    /// re-sending a wrong proxy password could lock the account. Nothing was sent.
    Refused,
    /// The connection closed before any answer. `pooled`: it was a reused idle connection,
    /// which the server may have closed while idle.
    Closed { pooled: bool },
    /// Anything else after the request went out (the deadline ran out, a broken or cut answer,
    /// a body over the limit): the request may have been processed.
    Lost,
}

impl Attempted {
    /// The request went out and may have been processed (design: "unknown outcome").
    pub(crate) fn is_unknown(self) -> bool {
        match self {
            Attempted::Answer { status, .. } => matches!(status, 502..=504),
            Attempted::Closed { .. } | Attempted::Lost => true,
            Attempted::ConnectFailed | Attempted::Refused => false,
        }
    }
}

/// Which rules apply to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Reads, updates, deletes.
    Idempotent,
    /// Creates: never re-sent after an unknown outcome; resolved by a read-back instead.
    Create,
}

/// What is left of the call's budget when the decision is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Retries already made (against `max_retries`).
    pub retries: u32,
    pub max_retries: u32,
    /// The one free retry after a stale pooled connection was already used.
    pub stale_retry_used: bool,
    /// Time left before the call's deadline.
    pub left: Duration,
    /// The wait backoff would choose for the next retry (random jitter is drawn by the caller,
    /// so that this function stays pure).
    pub backoff: Duration,
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Report this attempt's failure.
    Stop,
    /// The server asked for a wait longer than what is left: report the answer now, saying so.
    StopRetryAfterTooLong { asked: Duration },
    /// Retry at once on a new connection, not counted against `max_retries` (as curl does).
    RetryFresh,
    /// Wait, then retry (counted against `max_retries`).
    RetryAfter(Duration),
    /// A create's outcome is unknown: read the resource back by its external guid.
    ReadBack,
}

/// The decision after a failed attempt. `can_read_back`: a create that carries its external guid.
pub(crate) fn decide(
    kind: Kind,
    attempted: Attempted,
    budget: Budget,
    can_read_back: bool,
) -> Decision {
    if kind == Kind::Create && attempted.is_unknown() {
        // Never re-sent blindly: the stale pooled connection included.
        return if can_read_back && !budget.left.is_zero() {
            Decision::ReadBack
        } else {
            Decision::Stop
        };
    }
    let (retryable, server_wait) = match attempted {
        Attempted::Closed { pooled: true } if !budget.stale_retry_used => {
            return Decision::RetryFresh;
        }
        Attempted::Answer {
            status,
            retry_after,
        } => (is_retryable_status(status), retry_after),
        Attempted::ConnectFailed => (true, None),
        Attempted::Refused | Attempted::Closed { .. } | Attempted::Lost => (false, None),
    };
    if !retryable || budget.retries >= budget.max_retries {
        return Decision::Stop;
    }
    if let Some(asked) = server_wait {
        if asked > budget.left {
            return Decision::StopRetryAfterTooLong { asked };
        }
    }
    let wait = server_wait.unwrap_or(budget.backoff);
    if wait >= budget.left {
        // Sleeping would only end in a timeout: report the answer we have now.
        return Decision::Stop;
    }
    Decision::RetryAfter(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Attempted::*;
    use Decision::*;

    const MS: Duration = Duration::from_millis(1);

    fn budget() -> Budget {
        Budget {
            retries: 0,
            max_retries: 2,
            stale_retry_used: false,
            left: 10_000 * MS,
            backoff: 250 * MS,
        }
    }

    fn answer(status: u16) -> Attempted {
        Answer {
            status,
            retry_after: None,
        }
    }

    #[test]
    fn idempotent_requests_retry_on_connect_failures_429_and_gateway_errors() {
        for attempted in [
            ConnectFailed,
            answer(429),
            answer(502),
            answer(503),
            answer(504),
        ] {
            assert_eq!(
                decide(Kind::Idempotent, attempted, budget(), false),
                RetryAfter(250 * MS),
                "{attempted:?}"
            );
        }
        for attempted in [
            answer(400),
            answer(404),
            answer(500),
            answer(501),
            answer(301),
            Refused,
            Lost,
            Closed { pooled: false },
        ] {
            assert_eq!(
                decide(Kind::Idempotent, attempted, budget(), false),
                Stop,
                "{attempted:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_within_the_deadline() {
        let asked = Answer {
            status: 503,
            retry_after: Some(1_000 * MS),
        };
        assert_eq!(
            decide(Kind::Idempotent, asked, budget(), false),
            RetryAfter(1_000 * MS)
        );
        let short = Budget {
            left: 500 * MS,
            ..budget()
        };
        assert_eq!(
            decide(Kind::Idempotent, asked, short, false),
            StopRetryAfterTooLong { asked: 1_000 * MS }
        );
        let backoff_too_long = Budget {
            left: 200 * MS,
            ..budget()
        };
        assert_eq!(
            decide(Kind::Idempotent, answer(503), backoff_too_long, false),
            Stop
        );
    }

    #[test]
    fn max_retries_bounds_counted_retries_only() {
        let spent = Budget {
            retries: 2,
            ..budget()
        };
        assert_eq!(decide(Kind::Idempotent, answer(503), spent, false), Stop);
        assert_eq!(
            decide(Kind::Idempotent, Closed { pooled: true }, spent, false),
            RetryFresh
        );
        let used = Budget {
            stale_retry_used: true,
            ..budget()
        };
        assert_eq!(
            decide(Kind::Idempotent, Closed { pooled: true }, used, false),
            Stop
        );
    }

    #[test]
    fn creates_retry_only_while_nothing_was_processed() {
        for attempted in [ConnectFailed, answer(429)] {
            assert_eq!(
                decide(Kind::Create, attempted, budget(), true),
                RetryAfter(250 * MS)
            );
        }
        for attempted in [
            answer(502),
            answer(503),
            answer(504),
            Closed { pooled: true },
            Closed { pooled: false },
            Lost,
        ] {
            assert_eq!(
                decide(Kind::Create, attempted, budget(), true),
                ReadBack,
                "{attempted:?}"
            );
            assert_eq!(
                decide(Kind::Create, attempted, budget(), false),
                Stop,
                "{attempted:?}"
            );
            let no_time = Budget {
                left: Duration::ZERO,
                ..budget()
            };
            assert_eq!(
                decide(Kind::Create, attempted, no_time, true),
                Stop,
                "{attempted:?}"
            );
        }
        for attempted in [answer(400), answer(500), Refused] {
            assert_eq!(decide(Kind::Create, attempted, budget(), true), Stop);
        }
    }

    #[test]
    fn unknown_outcomes_are_the_documented_ones() {
        assert!(
            answer(503).is_unknown() && Closed { pooled: false }.is_unknown() && Lost.is_unknown()
        );
        assert!(!answer(429).is_unknown() && !ConnectFailed.is_unknown() && !Refused.is_unknown());
        assert!(!answer(400).is_unknown() && !answer(500).is_unknown());
    }
}
