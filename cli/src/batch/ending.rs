//! The end of a run that sent rows: the summary by outcome on standard output, why the run
//! stopped early (if it did) on standard error, and the exit status.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use mx_sso::Status;

use super::input::Input;
use super::send::{seconds, Ended};
use super::validate::Findings;
use crate::exit;

/// Why the run stopped before every row was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// It did not: every row was taken.
    No,
    /// The file changed after it was checked.
    FileChanged,
    /// The report could not be written.
    ReportFailed,
    /// A server asked to wait longer than a pause may last.
    ServerWait,
    /// The proxy refused its credentials: each further row would send the wrong password again.
    ProxyRefused,
    /// Ctrl-C or SIGTERM.
    Interrupted,
}

/// What the end of a run reports.
pub struct Ending<'a> {
    pub input: &'a Input,
    pub report_path: &'a Path,
    pub findings: &'a Findings,
    pub ended: Ended,
    /// Outcomes of every row in the report, earlier runs' included.
    pub outcomes: BTreeMap<String, u64>,
    pub elapsed: Duration,
    /// The stop flag was set: Ctrl-C, a server's `Retry-After` beyond `timeout_ms`, or a
    /// proxy refusing the credentials.
    pub stop_flag: bool,
    /// The longest `Retry-After` refused, and the longest pause kept.
    pub refused_wait: Option<Duration>,
    pub max_pause: Duration,
    /// Flushing the report to the disk failed.
    pub sync_error: Option<String>,
}

impl Ending<'_> {
    /// Prints the summary and why the run stopped; the exit status.
    pub fn finish(self) -> u8 {
        let stop = self.stop();
        let reported: u64 = self.outcomes.values().sum();
        self.summary(stop, reported);
        match stop {
            Stop::FileChanged => {
                if let Some(fatal) = &self.ended.fatal {
                    eprintln!(
                        "{}:{}: {}; the file changed after it was checked: the rows before were \
                         sent and reported",
                        self.input.path.display(),
                        fatal.line,
                        fatal.message
                    );
                }
            }
            Stop::ReportFailed => eprintln!(
                "mx-sso: cannot write the report {}: {}; stopped (rows sent but not reported \
                 are sent again by --resume)",
                self.report_path.display(),
                self.report_error().unwrap_or_default()
            ),
            Stop::ServerWait => eprintln!(
                "mx-sso: MX asked to wait {} (Retry-After), longer than a pause may last \
                 (timeout_ms, {}): stopped after the rows in flight. Run the same command with \
                 --resume later; a larger --timeout-ms lets a run wait that long",
                seconds(self.refused_wait.unwrap_or_default()),
                seconds(self.max_pause)
            ),
            Stop::ProxyRefused => {
                eprintln!(
                "mx-sso: {}: stopped after the rows in flight, so that a wrong password is not \
                 sent once for every row (a proxy may lock the account). Fix the proxy setting \
                 named there, then run the same command with --resume: a row the proxy refused \
                 before MX could act on it is not in the report and is sent then; one refused \
                 after an earlier request that MX may have acted on is reported as failed",
                self.ended.proxy_refused.as_deref().unwrap_or("the proxy refused the credentials")
            )
            }
            Stop::Interrupted | Stop::No => {}
        }
        let all_ok = self.outcomes.keys().all(|o| o == Status::Ok.name());
        exit_status(stop, all_ok)
    }

    fn report_error(&self) -> Option<String> {
        self.ended
            .report_error
            .clone()
            .or_else(|| self.sync_error.clone())
    }

    fn stop(&self) -> Stop {
        let reported: u64 = self.outcomes.values().sum();
        why_stopped(
            self.ended.fatal.is_some(),
            self.report_error().is_some(),
            self.ended.proxy_refused.is_some(),
            self.refused_wait.is_some(),
            self.stop_flag,
            self.findings.rows.saturating_sub(reported),
        )
    }

    /// The closing summary on standard output.
    fn summary(&self, stop: Stop, reported: u64) {
        let findings = self.findings;
        let seconds = self.elapsed.as_secs_f64();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "mx-sso batch: {} row(s) in {}; {} sent in {:.1} s ({:.0} rows/s){}",
            findings.rows,
            self.input.path.display(),
            self.ended.sent,
            seconds,
            self.ended.sent as f64 / seconds.max(1e-3),
            if findings.done > 0 {
                format!("; {} already done by an earlier run", findings.done)
            } else {
                String::new()
            }
        );
        for (outcome, n) in &self.outcomes {
            let _ = writeln!(out, "  {outcome:<24} {n:>9}");
        }
        let _ = writeln!(
            out,
            "report: {} ({reported} of {} row(s))",
            self.report_path.display(),
            findings.rows
        );
        if matches!(
            stop,
            Stop::Interrupted | Stop::ServerWait | Stop::ProxyRefused
        ) {
            let _ = writeln!(
                out,
                "stopped: {} row(s) not in the report yet; run the same command with --resume \
                 to send them",
                findings.rows.saturating_sub(reported)
            );
        }
        // A closed standard output (`| head`) must not turn a finished batch into a crash.
        let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    }
}

/// Why the run stopped, from what happened and the rows `left` out of the report. A Ctrl-C or
/// a server's long wait that came when every row was already reported stopped nothing.
fn why_stopped(
    file_changed: bool,
    report_failed: bool,
    proxy_refused: bool,
    server_wait: bool,
    stop_flag: bool,
    left: u64,
) -> Stop {
    if file_changed {
        Stop::FileChanged
    } else if report_failed {
        Stop::ReportFailed
    } else if left == 0 {
        Stop::No
    } else if proxy_refused {
        Stop::ProxyRefused
    } else if server_wait {
        Stop::ServerWait
    } else if stop_flag {
        Stop::Interrupted
    } else {
        Stop::No
    }
}

/// The exit status of a run that sent rows: 1 when it stopped on a problem (the report says
/// how far it got), 130 when interrupted, else 0 when every row in the report succeeded and 1
/// when some failed.
fn exit_status(stop: Stop, all_ok: bool) -> u8 {
    match stop {
        Stop::FileChanged | Stop::ReportFailed | Stop::ServerWait | Stop::ProxyRefused => {
            exit::FAILED
        }
        Stop::Interrupted => exit::INTERRUPTED,
        Stop::No if all_ok => exit::OK,
        Stop::No => exit::FAILED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ctrl_c_after_the_last_row_was_reported_stops_nothing() {
        let interrupted = why_stopped(false, false, false, false, true, 0);
        assert_eq!(interrupted, Stop::No);
        assert_eq!(exit_status(interrupted, true), exit::OK);
        assert_eq!(exit_status(interrupted, false), exit::FAILED);
        let with_rows_left = why_stopped(false, false, false, false, true, 3);
        assert_eq!(with_rows_left, Stop::Interrupted);
        assert_eq!(exit_status(with_rows_left, true), exit::INTERRUPTED);
    }

    #[test]
    fn a_problem_stops_the_run_whatever_is_left() {
        assert_eq!(
            why_stopped(true, true, false, true, true, 0),
            Stop::FileChanged
        );
        assert_eq!(
            why_stopped(false, true, false, true, true, 0),
            Stop::ReportFailed
        );
        assert_eq!(
            why_stopped(false, false, false, true, true, 2),
            Stop::ServerWait
        );
        assert_eq!(why_stopped(false, false, false, true, true, 0), Stop::No);
        assert_eq!(why_stopped(false, false, false, false, false, 2), Stop::No);
        assert_eq!(
            why_stopped(false, false, true, true, true, 5),
            Stop::ProxyRefused
        );
        for stop in [
            Stop::FileChanged,
            Stop::ReportFailed,
            Stop::ServerWait,
            Stop::ProxyRefused,
        ] {
            assert_eq!(exit_status(stop, true), exit::FAILED);
        }
    }
}
