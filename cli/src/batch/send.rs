//! The second pass: rows sent on `--concurrency` threads sharing one client, each row reported
//! as it finishes. The reading thread hands rows to the workers through a short queue (memory
//! stays flat); a row is either sent and reported, or neither (then `--resume` sends it): a
//! row is dropped unsent only after Ctrl-C, before its request went out.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use mx_sso::{Call, Client, Error, Event, Status};

use super::input::{Fatal, Item, Row, Rows, Shape};
use super::lock;
use super::pace::Pacer;
use super::progress::Progress;
use super::report::{DoneRows, ReportLine, ReportWriter};

/// What the second pass needs besides the rows.
pub struct Sender<'a> {
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
    /// Rows whose request went out.
    pub sent: u64,
    /// The input could not be read on (it changed since the first pass).
    pub fatal: Option<Fatal>,
    /// The report could not be written: the run stopped.
    pub report_error: Option<String>,
}

thread_local! {
    /// The last attempt of the row this worker is sending: (attempts, HTTP status), from the
    /// client's events (the handler runs on the calling thread).
    static TRACE: Cell<(u32, Option<u16>)> = const { Cell::new((0, None)) };
}

/// The client's event handler for a batch: keeps each worker's trace, and turns a server's
/// `Retry-After` into a pause of every worker.
pub fn event_handler(pacer: Arc<Pacer>, progress: Arc<Progress>) -> mx_sso::EventHandler {
    Arc::new(move |event: &Event| {
        TRACE.with(|t| t.set((event.attempt, event.http_status)));
        if let Some(ms) = event.retry_after_ms {
            let wait = Duration::from_millis(ms);
            if pacer.pause_for(wait) && wait >= Duration::from_secs(1) {
                progress.note(&format!(
                    "the server answered {} with Retry-After: every worker pauses {:.1} s",
                    event.http_status.map_or("?".to_string(), |s| s.to_string()),
                    wait.as_secs_f64()
                ));
            }
        }
    })
}

impl Sender<'_> {
    /// Sends every row of `rows` not yet done; stops taking rows once `stop` is set.
    pub fn run(&self, rows: Rows) -> Ended {
        let (queue, taken) = sync_channel::<Row>(self.concurrency * 2);
        let taken = Mutex::new(taken);
        let failure = Mutex::new(None::<String>);
        let sent = std::sync::atomic::AtomicU64::new(0);
        let mut fatal = None;
        thread::scope(|scope| {
            for _ in 0..self.concurrency {
                scope.spawn(|| self.work(&taken, &sent, &failure));
            }
            for item in rows {
                if self.stop.load(Ordering::Relaxed) {
                    break;
                }
                let item = match item {
                    Ok(item) => item,
                    Err(e) => {
                        fatal = Some(e);
                        self.stop.store(true, Ordering::Relaxed);
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
                        self.refused(row.line, row.label, e.status(), e.to_string(), &failure);
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
        }
    }

    /// A worker: takes rows until the queue closes; after Ctrl-C, drops the rows it takes
    /// without sending them, so that the reading thread is never blocked.
    fn work(
        &self,
        taken: &Mutex<Receiver<Row>>,
        sent: &std::sync::atomic::AtomicU64,
        failure: &Mutex<Option<String>>,
    ) {
        loop {
            let row = match lock(taken).recv() {
                Ok(row) => row,
                Err(_) => return,
            };
            if !self.pacer.wait_turn(&self.stop) {
                continue;
            }
            TRACE.with(|t| t.set((0, None)));
            sent.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let result = self.client.call(
                self.shape.op,
                &Call::new(row.id.as_deref(), row.body.as_deref()),
            );
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let (attempts, http_status) = TRACE.with(Cell::get);
            let line = match result {
                Ok(_) => ReportLine {
                    line: row.line,
                    id: row.label,
                    outcome: Status::Ok.name().to_string(),
                    http_status,
                    attempts,
                    elapsed_ms,
                    message: None,
                },
                Err(error) => failed_line(row.line, row.label, &error, attempts, elapsed_ms),
            };
            self.write(&line, failure);
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
        attempts: error.attempts().unwrap_or(attempts),
        elapsed_ms,
        message: Some(error.to_string()),
    }
}
