//! The second pass: rows sent on `--concurrency` threads sharing one client, each row reported
//! as it finishes. The reading thread hands rows to the workers through a short queue (memory
//! stays flat); a row is either sent and reported, or neither (then `--resume` sends it): a
//! row is dropped unreported only once the run stops (Ctrl-C, a server's `Retry-After` longer
//! than a pause may last, or a proxy refusing its credentials), before its request went out,
//! or when MX answered its requests only with such a `Retry-After` (MX processed nothing) and
//! the proxy refused the rest before they reached MX.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use mx_sso::operation::RetryClass;
use mx_sso::{Call, Client, Error, Event, Operation, Status};

use super::input::{Fatal, Item, Row, Rows, Shape};
use super::lock;
use super::pace::{Pacer, Pause};
use super::progress::Progress;
use super::report::{DoneRows, ReportLine, ReportWriter};

/// What the second pass needs besides the rows.
pub struct SecondPass<'a> {
    pub client: &'a Client,
    pub shape: &'a Shape,
    pub done: &'a DoneRows,
    pub report: Arc<Mutex<ReportWriter>>,
    pub progress: Arc<Progress>,
    pub pacer: Arc<Pacer>,
    pub stop: Arc<AtomicBool>,
    pub concurrency: usize,
    /// Check rows before queueing them (the first pass found bad rows: `--skip-invalid`).
    pub recheck: bool,
}

/// How the second pass ended.
#[derive(Debug, Default)]
pub struct Ended {
    /// Rows sent that got a report line; a row left to `--resume` after its request went out
    /// (MX processed nothing) is not counted.
    pub sent: u64,
    /// The input could not be read on (it changed since the first pass).
    pub fatal: Option<Fatal>,
    /// The report could not be written: the run stopped.
    pub report_error: Option<String>,
    /// The proxy refused its credentials (407, or 401 to CONNECT): the run stopped, so that a
    /// wrong password is not sent once per row (a proxy may lock the account). The first
    /// refusal's message.
    pub proxy_refused: Option<String>,
}

/// Times a row is sent again after a server's `Retry-After` outlasted its call's deadline (MX
/// processed nothing; the re-send waits for the pause that answer set); then its failure is
/// reported.
const MAX_RESENDS: u32 = 3;

/// What the client's events said about the call this worker is making (the handler runs on
/// the calling thread).
#[derive(Clone, Copy, Default)]
struct Trace {
    /// Requests of the call so far (retries and read-backs included).
    attempts: u32,
    /// The last answer's HTTP status.
    http_status: Option<u16>,
    /// The last answer's `Retry-After` when the call did not wait for it (no retry followed).
    unwaited: Option<Duration>,
    /// When the last attempt ended.
    at: Option<Instant>,
    /// A POST of the call got an answer other than 429, or none: MX may have created
    /// something (the library treats 502/503/504 and a lost answer to a create as unknown).
    post_maybe_processed: bool,
}

impl Trace {
    /// True when the call ended on a 429 or 503 whose `Retry-After` asked for more than the
    /// call had left of `timeout` (the library then gives up without waiting): MX processed
    /// nothing and asked to be called again later.
    fn outlasted_deadline(&self, call_started: Instant, timeout: Duration) -> bool {
        let (Some(wait), Some(at)) = (self.unwaited, self.at) else {
            return false;
        };
        let left = timeout.saturating_sub(at.saturating_duration_since(call_started));
        matches!(self.http_status, Some(429 | 503)) && wait > left
    }

    /// The row may be sent again (now, or by `--resume`) after its call outlasted a
    /// `Retry-After`. Not a create one of whose POSTs MX may have processed: that is not
    /// idempotent, and the library would not send it again either.
    fn may_send_again(&self, op: Operation, call_started: Instant, timeout: Duration) -> bool {
        self.outlasted_deadline(call_started, timeout)
            && !(op.spec().retry == RetryClass::Create && self.post_maybe_processed)
    }
}

thread_local! {
    static TRACE: Cell<Trace> = const {
        Cell::new(Trace {
            attempts: 0,
            http_status: None,
            unwaited: None,
            at: None,
            post_maybe_processed: false,
        })
    };
}

/// The client's event handler for a batch: keeps each worker's trace, and turns a server's
/// `Retry-After` into a pause of every worker; a wait longer than the pacer keeps stops the run
/// (`stop`), as Ctrl-C does, instead of stalling it.
pub fn event_handler(
    pacer: Arc<Pacer>,
    progress: Arc<Progress>,
    stop: Arc<AtomicBool>,
) -> mx_sso::EventHandler {
    let announced = AtomicBool::new(false);
    Arc::new(move |event: &Event| {
        let asked = event.retry_after_ms.map(Duration::from_millis);
        TRACE.with(|t| {
            let post_processed = event.method == Some("POST") && event.http_status != Some(429);
            t.set(Trace {
                attempts: event.attempt,
                http_status: event.http_status,
                unwaited: asked.filter(|_| event.retry_in_ms.is_none()),
                at: Some(Instant::now()),
                post_maybe_processed: t.get().post_maybe_processed || post_processed,
            })
        });
        let Some(wait) = asked else {
            return;
        };
        let status = event.http_status.map_or("?".to_string(), |s| s.to_string());
        match pacer.pause_for(wait) {
            Pause::Extended if wait >= Duration::from_secs(1) => progress.note(&format!(
                "the server answered {status} with Retry-After: every worker pauses {}",
                seconds(wait)
            )),
            Pause::TooLong => {
                stop.store(true, Ordering::SeqCst);
                if !announced.swap(true, Ordering::Relaxed) {
                    progress.note(&format!(
                        "the server answered {status} with Retry-After: {}, longer than a pause \
                         may last (timeout_ms, {}): stopping after the rows in flight",
                        seconds(wait),
                        seconds(pacer.max_pause())
                    ));
                }
            }
            _ => {}
        }
    })
}

/// `2.5 s`, or "more than a day" for the absurd waits a server can ask for.
pub fn seconds(d: Duration) -> String {
    if d > Duration::from_secs(24 * 3600) {
        "more than a day".to_string()
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl SecondPass<'_> {
    /// Sends every row of `rows` not yet done; stops taking rows once `stop` is set.
    pub fn run(&self, rows: Rows) -> Ended {
        let (queue, taken) = sync_channel::<Row>(self.concurrency * 2);
        let taken = Mutex::new(taken);
        let failure = Mutex::new(None::<String>);
        let proxy_refused = Mutex::new(None::<String>);
        let sent = AtomicU64::new(0);
        let mut fatal = None;
        thread::scope(|scope| {
            for _ in 0..self.concurrency {
                scope.spawn(|| self.work(&taken, &sent, &failure, &proxy_refused));
            }
            for item in rows {
                if self.stop.load(Ordering::Relaxed) {
                    break;
                }
                let item = match item {
                    Ok(item) => item,
                    Err(e) => {
                        // The file changed since it was checked. No more rows are read, but the
                        // rows queued are still sent: every row before this line is reported.
                        fatal = Some(e);
                        break;
                    }
                };
                if self.done.get(item.line()).is_some() {
                    continue;
                }
                let row = match item {
                    Item::Bad(bad) => {
                        self.refused(
                            bad.line,
                            bad.label,
                            Status::InvalidArgument,
                            bad.message,
                            &failure,
                        );
                        continue;
                    }
                    Item::Row(row) => row,
                };
                if self.recheck {
                    if let Err(e) =
                        self.client
                            .check(self.shape.op, row.id.as_deref(), row.body.as_deref())
                    {
                        let message = self.shape.row_message(&e);
                        self.refused(row.line, row.label, e.status(), message, &failure);
                        continue;
                    }
                }
                if queue.send(row).is_err() {
                    break;
                }
            }
            drop(queue);
        });
        Ended {
            sent: sent.into_inner(),
            fatal,
            report_error: failure.into_inner().unwrap_or_else(|p| p.into_inner()),
            proxy_refused: proxy_refused
                .into_inner()
                .unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// A worker: takes rows until the queue closes; after Ctrl-C, drops the rows it takes
    /// without sending them, so that the reading thread is never blocked.
    fn work(
        &self,
        taken: &Mutex<Receiver<Row>>,
        sent: &AtomicU64,
        failure: &Mutex<Option<String>>,
        proxy_refused: &Mutex<Option<String>>,
    ) {
        loop {
            let row = match lock(taken).recv() {
                Ok(row) => row,
                Err(_) => return,
            };
            if let Some(line) = self.send(row, proxy_refused) {
                sent.fetch_add(1, Ordering::Relaxed);
                self.write(&line, failure);
            }
        }
    }

    /// Sends one row; its report line, or `None` when it is left to `--resume`: the run
    /// stopped before it was sent, or while MX was asking it to come back later, or the proxy
    /// refused its credentials before MX could act on the row (the run stops, see `Ended`).
    fn send(&self, row: Row, proxy_refused: &Mutex<Option<String>>) -> Option<ReportLine> {
        let timeout = Duration::from_millis(self.client.options().timeout_ms);
        let call = Call::new(row.id.as_deref(), row.body.as_deref());
        let mut attempts = 0;
        let mut elapsed = Duration::ZERO;
        let mut resends = 0;
        loop {
            if !self.pacer.wait_turn(&self.stop) {
                return None;
            }
            TRACE.with(|t| t.set(Trace::default()));
            let started = Instant::now();
            let result = self.client.call(self.shape.op, &call);
            elapsed += started.elapsed();
            let trace = TRACE.with(Cell::get);
            let elapsed_ms = elapsed.as_millis() as u64;
            let error = match result {
                Ok(_) => {
                    return Some(ReportLine {
                        line: row.line,
                        id: row.label,
                        outcome: Status::Ok.name().to_string(),
                        http_status: trace.http_status,
                        attempts: attempts + trace.attempts,
                        elapsed_ms,
                        message: None,
                        op: None,
                        flags: None,
                    })
                }
                Err(error) => error,
            };
            let call_attempts = error.attempts().unwrap_or(trace.attempts);
            attempts += call_attempts;
            if error.is_proxy_credentials_refused() {
                self.stop.store(true, Ordering::SeqCst);
                {
                    let mut first = lock(proxy_refused);
                    if first.is_none() {
                        // The refusal itself is printed once, by the ending, with what to do.
                        self.progress.note(
                            "the proxy refused the credentials: stopping after the rows in \
                             flight, so that the password is not sent again for every row",
                        );
                        *first = Some(error.to_string());
                    }
                }
                // The refused request was this call's first: nothing of this call reached MX.
                // An earlier call of the row ended on a Retry-After that outlasted it (MX
                // processed nothing, as when the run stops there), so --resume may send the
                // row. After an earlier request of this call (an answer lost, then a retry or
                // a create's read-back refused) MX may have acted: the row is reported failed.
                if call_attempts <= 1 {
                    return None;
                }
                return Some(failed_line(
                    row.line, row.label, &error, attempts, elapsed_ms,
                ));
            }
            if trace.may_send_again(self.shape.op, started, timeout) {
                if self.stop.load(Ordering::SeqCst) {
                    return None;
                }
                if resends < MAX_RESENDS {
                    resends += 1;
                    continue;
                }
            }
            return Some(failed_line(
                row.line, row.label, &error, attempts, elapsed_ms,
            ));
        }
    }

    /// Reports a row refused before sending (`--skip-invalid`).
    fn refused(
        &self,
        line: u64,
        label: Option<String>,
        status: Status,
        message: String,
        failure: &Mutex<Option<String>>,
    ) {
        let line = ReportLine {
            line,
            id: label,
            outcome: status.name().to_string(),
            http_status: None,
            attempts: 0,
            elapsed_ms: 0,
            message: Some(message),
            op: None,
            flags: None,
        };
        self.write(&line, failure);
    }

    /// Appends the row's line and counts it; a report that cannot be written stops the run (a
    /// row sent but not recorded is sent again by `--resume`).
    fn write(&self, line: &ReportLine, failure: &Mutex<Option<String>>) {
        let written = lock(&self.report).append(line);
        match written {
            Ok(()) => self.progress.row_done(&line.outcome),
            Err(e) => {
                self.stop.store(true, Ordering::Relaxed);
                lock(failure).get_or_insert_with(|| e.to_string());
            }
        }
    }
}

/// The report line of a row whose last call failed with `error`; `attempts` over all its calls.
fn failed_line(
    line: u64,
    label: Option<String>,
    error: &Error,
    attempts: u32,
    elapsed_ms: u64,
) -> ReportLine {
    ReportLine {
        line,
        id: label,
        outcome: error.status().name().to_string(),
        http_status: error.http_status(),
        attempts,
        elapsed_ms,
        message: Some(error.to_string()),
        op: None,
        flags: None,
    }
}
