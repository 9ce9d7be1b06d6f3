//! `mx-sso batch`: one operation over every row of a CSV or JSON Lines file. Two passes over
//! the file: the first checks every row and sends nothing (one bad row refuses the file unless
//! `--skip-invalid`); the second sends the rows on `--concurrency` workers and appends one report
//! line per row. `--resume` skips the rows an existing report holds. Ctrl-C stops taking rows,
//! lets the rows in flight finish and be reported, and exits 130.

mod csv_lines;
mod csv_quotes;
mod csv_rows;
mod ending;
mod input;
mod jsonl_rows;
mod pace;
mod plan;
mod progress;
mod report;
mod send;
mod validate;

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mx_sso::Client;

use crate::args::BatchArgs;
use crate::exit::{self, UsageError};
use ending::Ending;
use input::Input;
use pace::Pacer;
use progress::{Counts, Progress};
use report::DoneRows;
use validate::{Findings, Refusal};

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
    let plan = plan::check_args(args)?;
    let input = Input::new(&args.input, args.format)?;
    let stamp = file_stamp(&input)?;
    let tag = report::RunTag::new(plan.shape.op.name(), &plan.shape.flag_pairs);
    let resumed = match &args.report {
        // A dry run reads the report to count what is done, and neither locks nor repairs it.
        Some(path) if args.resume => report::read_previous(path, stamp.0 + 1, !args.dry_run, &tag)?,
        Some(path) if !args.dry_run => {
            report::check_new(path)?;
            None
        }
        _ => None,
    };
    let empty = DoneRows::default();
    let done = resumed.as_ref().map_or(&empty, |r| &r.previous.done);

    let findings = match validate::check_all(&input, &plan.shape, &client, done) {
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
        dry_run_summary(&input, &findings, args.resume);
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
    let writer = report::open_writer(report_path, resumed.as_ref(), &tag)?;
    let report = Arc::new(Mutex::new(writer));
    let stop = Arc::new(AtomicBool::new(false));
    on_interrupt(stop.clone(), report.clone())?;

    let counts = Arc::new(Counts::default());
    let progress = Arc::new(Progress::start(
        findings.to_send + findings.bad,
        plan.progress_every,
        counts.clone(),
    ));
    // A pause lasts at most what one call would wait for a Retry-After: its whole deadline.
    let max_pause = Duration::from_millis(client.options().timeout_ms);
    let pacer = Arc::new(Pacer::new(plan.interval, max_pause));
    client.set_event_handler(Some(send::event_handler(
        pacer.clone(),
        progress.clone(),
        stop.clone(),
    )));
    let started = Instant::now();
    let second_pass = send::SecondPass {
        client: &client,
        shape: &plan.shape,
        done,
        report: report.clone(),
        progress: progress.clone(),
        pacer: pacer.clone(),
        stop: stop.clone(),
        concurrency: plan.concurrency,
        recheck: findings.bad > 0,
    };
    let rows = input
        .rows(plan.shape.clone())
        .map_err(|f| UsageError(f.message))?;
    let ended = second_pass.run(validate::as_checked(rows, findings.rows));
    client.set_event_handler(None);
    progress.finish();
    let synced = lock(&report).sync();

    let mut outcomes = resumed.map(|r| r.previous.outcomes).unwrap_or_default();
    for (outcome, n) in counts.outcomes() {
        *outcomes.entry(outcome).or_default() += n;
    }
    let ending = Ending {
        input: &input,
        report_path,
        findings: &findings,
        ended,
        outcomes,
        elapsed: started.elapsed(),
        stop_flag: stop.load(Ordering::Relaxed),
        refused_wait: pacer.refused_wait(),
        max_pause,
        sync_error: synced.err().map(|e| e.to_string()),
    };
    Ok(ending.finish())
}

/// What a dry run found, on standard output.
fn dry_run_summary(input: &Input, findings: &Findings, resume: bool) {
    let done = if resume {
        format!(", {} already in the report", findings.done)
    } else {
        String::new()
    };
    let _ = writeln!(
        std::io::stdout(),
        "mx-sso batch --dry-run: {} row(s) in {}: {} ready to send, {} bad{done}; nothing was \
         sent",
        findings.rows,
        input.path.display(),
        findings.to_send,
        findings.bad,
    );
}

/// The input's length and modification time, to notice a file changed between the passes.
fn file_stamp(input: &Input) -> Result<(u64, Option<std::time::SystemTime>), UsageError> {
    let meta = std::fs::metadata(&input.path)
        .map_err(|e| UsageError(format!("{}: cannot read it: {e}", input.path.display())))?;
    Ok((meta.len(), meta.modified().ok()))
}

/// Ctrl-C (or SIGTERM) sets `stop`: no new row is taken, rows in flight finish and are reported.
/// A second one exits at once with 130, after the line being written (if any) is complete.
/// (Counted apart from `stop`, which a server's long wait also sets.)
fn on_interrupt(
    stop: Arc<AtomicBool>,
    report: Arc<Mutex<report::ReportWriter>>,
) -> Result<(), UsageError> {
    let pressed = AtomicBool::new(false);
    ctrlc::set_handler(move || {
        stop.store(true, Ordering::SeqCst);
        if pressed.swap(true, Ordering::SeqCst) {
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
