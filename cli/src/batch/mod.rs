//! `mx-sso batch`: one operation over every row of a CSV or JSON Lines file. Two passes over
//! the file: the first checks every row and sends nothing (one bad row refuses the file unless
//! `--skip-invalid`); the second sends the rows on `--concurrency` workers and appends one report
//! line per row. `--resume` skips the rows an existing report holds. Ctrl-C stops taking rows,
//! lets the rows in flight finish and be reported, and exits 130.

mod csv_lines;
mod csv_rows;
mod input;
mod jsonl_rows;
mod pace;
mod progress;
mod report;
mod send;
mod validate;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mx_sso::{Client, Operation, Status};

use crate::args::BatchArgs;
use crate::body;
use crate::exit::{self, UsageError};
use input::{Input, Shape};
use pace::Pacer;
use progress::{Counts, Progress};
use report::DoneRows;
use validate::Refusal;

/// Most workers accepted: more threads than this only queue on MX's side.
const MAX_CONCURRENCY: usize = 256;
/// Shortest time between two plain progress lines (shorter would flood a log).
const MIN_PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Locks `mutex` even if a thread panicked while holding it: every structure behind the batch's
/// mutexes is consistent between statements, and one panicking worker must not cost the report
/// of the others.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs a batch; the exit status.
pub fn run(client: Client, args: &BatchArgs) -> Result<u8, UsageError> {
    let op = Operation::from_name(&args.op).map_err(|e| UsageError(format!("--op: {e}")))?;
    if args.concurrency == 0 || args.concurrency > MAX_CONCURRENCY {
        return Err(UsageError(format!(
            "--concurrency is {}; between 1 and {MAX_CONCURRENCY} is accepted",
            args.concurrency
        )));
    }
    let (interval, progress_every) = timings(args)?;
    let fields = args.fields.given();
    if !fields.is_empty() && op.spec().resource != mx_sso::operation::Resource::User {
        return Err(UsageError(format!(
            "field flags such as --{} set user fields; {} takes member bodies (give them in a \
             .jsonl file)",
            fields[0].0.replace('_', "-"),
            op.name()
        )));
    }
    let flag_pairs = body::flag_pairs(&fields);
    check_field_flags(&flag_pairs)?;
    let shape = Arc::new(Shape { op, flag_pairs });
    let input = Input::new(&args.input, args.format)?;
    let stamp = file_stamp(&input)?;
    let resumed = match &args.report {
        // A dry run reads the report to count what is done, and neither locks nor repairs it.
        Some(path) if args.resume => report::read_previous(path, stamp.0 + 1, !args.dry_run)?,
        Some(path) if !args.dry_run => {
            report::check_new(path)?;
            None
        }
        _ => None,
    };
    let empty = DoneRows::default();
    let done = resumed.as_ref().map_or(&empty, |r| &r.previous.done);

    let findings = match validate::check_all(&input, &shape, &client, done) {
        Ok(findings) => findings,
        Err(Refusal::Fatal(fatal)) => {
            eprintln!("{}:{}: {}", input.path.display(), fatal.line, fatal.message);
            eprintln!("mx-sso: {} refused; nothing was sent", input.path.display());
            return Ok(exit::USAGE);
        }
        Err(Refusal::Mismatch(usage)) => return Err(usage),
    };
    findings.print_bad(&input);
    let refuse = findings.bad > 0 && (!args.skip_invalid || findings.to_send == 0);
    if args.dry_run {
        let done = if args.resume {
            format!(", {} already in the report", findings.done)
        } else {
            String::new()
        };
        let _ = writeln!(
            std::io::stdout(),
            "mx-sso batch --dry-run: {} row(s) in {}: {} ready to send, {} bad{done}; nothing \
             was sent",
            findings.rows,
            input.path.display(),
            findings.to_send,
            findings.bad,
        );
        return Ok(if refuse { exit::USAGE } else { exit::OK });
    }
    if refuse {
        eprintln!(
            "mx-sso: {} refused: {} bad row(s); nothing was sent. Fix them, or pass \
             --skip-invalid to send the good rows and report the bad ones",
            input.path.display(),
            findings.bad
        );
        return Ok(exit::USAGE);
    }
    if file_stamp(&input)? != stamp {
        return Err(UsageError(format!(
            "{} changed while it was checked; nothing was sent: run again",
            input.path.display()
        )));
    }
    let report_path = args
        .report
        .as_deref()
        .ok_or_else(|| UsageError("--report REPORT.jsonl is required".into()))?;
    let writer = report::open_writer(report_path, resumed.as_ref())?;
    let report = Arc::new(Mutex::new(writer));
    let stop = Arc::new(AtomicBool::new(false));
    on_interrupt(stop.clone(), report.clone())?;

    let counts = Arc::new(Counts::default());
    let progress = Arc::new(Progress::start(
        findings.to_send + findings.bad,
        progress_every,
        counts.clone(),
    ));
    // A pause lasts at most what one call would wait for a Retry-After: its whole deadline.
    let max_pause = Duration::from_millis(client.options().timeout_ms);
    let pacer = Arc::new(Pacer::new(interval, max_pause));
    client.set_event_handler(Some(send::event_handler(
        pacer.clone(),
        progress.clone(),
        stop.clone(),
    )));
    let started = Instant::now();
    let sender = send::Sender {
        client: &client,
        shape: &shape,
        done,
        report: report.clone(),
        progress: progress.clone(),
        pacer: pacer.clone(),
        stop: stop.clone(),
        concurrency: args.concurrency,
        recheck: findings.bad > 0,
    };
    let rows = input
        .rows(shape.clone())
        .map_err(|f| UsageError(f.message))?;
    let rows = validate::as_checked(rows, findings.rows);
    let ended = sender.run(rows);
    client.set_event_handler(None);
    progress.finish();
    let synced = lock(&report).sync();

    let mut outcomes = resumed.map(|r| r.previous.outcomes).unwrap_or_default();
    for (outcome, n) in counts.outcomes() {
        *outcomes.entry(outcome).or_default() += n;
    }
    let refused_wait = pacer.refused_wait();
    let interrupted = stop.load(Ordering::Relaxed)
        && ended.fatal.is_none()
        && ended.report_error.is_none()
        && refused_wait.is_none();
    summary(
        &input,
        report_path,
        &findings,
        &ended,
        &outcomes,
        started.elapsed(),
        stop.load(Ordering::Relaxed) && ended.fatal.is_none() && ended.report_error.is_none(),
    );
    if let Some(fatal) = &ended.fatal {
        eprintln!(
            "{}:{}: {}; the file changed after it was checked: the rows before were sent and \
             reported",
            input.path.display(),
            fatal.line,
            fatal.message
        );
        return Ok(exit::FAILED);
    }
    let report_error = ended
        .report_error
        .clone()
        .or_else(|| synced.err().map(|e| e.to_string()));
    if let Some(error) = report_error {
        eprintln!(
            "mx-sso: cannot write the report {}: {error}; stopped (rows sent but not reported are \
             sent again by --resume)",
            report_path.display()
        );
        return Ok(exit::FAILED);
    }
    if let Some(wait) = refused_wait {
        eprintln!(
            "mx-sso: MX asked to wait {} (Retry-After), longer than a pause may last (timeout_ms, \
             {}): stopped after the rows in flight. Run the same command with --resume later; a \
             larger --timeout-ms lets a run wait that long",
            send::seconds(wait),
            send::seconds(max_pause)
        );
        return Ok(exit::FAILED);
    }
    if interrupted {
        return Ok(exit::INTERRUPTED);
    }
    let all_ok = outcomes.keys().all(|o| o == Status::Ok.name());
    Ok(if all_ok { exit::OK } else { exit::FAILED })
}

/// Checks the field flags' values once, up front, by the library's rules for those fields: a
/// value that breaks one (`--status ACTIVE`) is a usage error even when no row would carry it
/// (a file of a header only, a resume with every row done). The rows' own checks judge the
/// whole bodies later; `external_user_guid` is judged there.
fn check_field_flags(pairs: &[(String, String)]) -> Result<(), UsageError> {
    let profile: Vec<(String, String)> = pairs
        .iter()
        .filter(|(name, _)| name != "external_user_guid")
        .cloned()
        .collect();
    if profile.is_empty() {
        return Ok(());
    }
    mx_sso::UserUpdate::from_json(&body::object(&profile), false)
        .map(drop)
        .map_err(|e| UsageError(format!("field flags: {e}; nothing was sent")))
}

/// `--rate` as the interval between two starts, and `--progress-every`: checked before anything
/// is opened, so that no value can fail (or panic) once a report exists.
fn timings(args: &BatchArgs) -> Result<(Option<Duration>, Duration), UsageError> {
    let interval = match args.rate {
        None => None,
        Some(rate) => Some(
            Some(rate)
                .filter(|r| r.is_finite() && *r > 0.0)
                .and_then(|r| Duration::try_from_secs_f64(1.0 / r).ok())
                .ok_or_else(|| {
                    UsageError(format!(
                        "--rate {rate}: give the most rows to start per second, a number above 0 \
                         (such as 50, or 0.5 for one row every 2 s)"
                    ))
                })?,
        ),
    };
    let every = Duration::try_from_secs_f64(args.progress_every)
        .ok()
        .filter(|every| *every >= MIN_PROGRESS_EVERY)
        .ok_or_else(|| {
            UsageError(format!(
                "--progress-every {}: give the seconds between progress lines, at least {}",
                args.progress_every,
                MIN_PROGRESS_EVERY.as_secs_f64()
            ))
        })?;
    Ok((interval, every))
}

/// The input's length and modification time, to notice a file changed between the passes.
fn file_stamp(input: &Input) -> Result<(u64, Option<std::time::SystemTime>), UsageError> {
    let meta = std::fs::metadata(&input.path)
        .map_err(|e| UsageError(format!("{}: cannot read it: {e}", input.path.display())))?;
    Ok((meta.len(), meta.modified().ok()))
}

/// Ctrl-C (or SIGTERM) sets `stop`: no new row is taken, rows in flight finish and are reported.
/// A second one exits at once with 130, after the line being written (if any) is complete.
fn on_interrupt(
    stop: Arc<AtomicBool>,
    report: Arc<Mutex<report::ReportWriter>>,
) -> Result<(), UsageError> {
    ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            let _complete = report.lock();
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
        eprintln!(
            "mx-sso: interrupted: finishing the rows in flight (Ctrl-C again to quit at once; \
             those rows are then sent again by --resume)"
        );
    })
    .map_err(|e| UsageError(format!("cannot handle Ctrl-C: {e}")))
}

/// The closing summary on standard output.
fn summary(
    input: &Input,
    report_path: &std::path::Path,
    findings: &validate::Findings,
    ended: &send::Ended,
    outcomes: &BTreeMap<String, u64>,
    elapsed: Duration,
    stopped: bool,
) {
    let seconds = elapsed.as_secs_f64();
    let reported: u64 = outcomes.values().sum();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "mx-sso batch: {} row(s) in {}; {} sent in {:.1} s ({:.0} rows/s){}",
        findings.rows,
        input.path.display(),
        ended.sent,
        seconds,
        ended.sent as f64 / seconds.max(1e-3),
        if findings.done > 0 {
            format!("; {} already done by an earlier run", findings.done)
        } else {
            String::new()
        }
    );
    for (outcome, n) in outcomes {
        let _ = writeln!(out, "  {outcome:<24} {n:>9}");
    }
    let _ = writeln!(
        out,
        "report: {} ({reported} of {} row(s))",
        report_path.display(),
        findings.rows
    );
    if stopped {
        let _ = writeln!(
            out,
            "stopped: {} row(s) not in the report yet; run the same command with --resume to send them",
            findings.rows.saturating_sub(reported)
        );
    }
    // A closed standard output (`| head`) must not turn a finished batch into a crash.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
}
