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
pub enum Stop<'a> {
    /// It did not: every row was taken.
    No,
    /// The file changed after it was checked.
    FileChanged,
    /// The report could not be written.
    ReportFailed,
    /// A server asked to wait longer than a pause may last.
    ServerWait,
    /// The proxy refused its credentials (its message): each further row would send the wrong
    /// password again.
    ProxyRefused(&'a str),
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
            Stop::ProxyRefused(refusal) => eprintln!(
                "mx-sso: {refusal}: stopped after the rows in flight, so that a wrong password is \
                 not sent once for every row (a proxy may lock the account). Fix the proxy \
                 setting named there, then run the same command with --resume: a row the proxy \
                 refused before MX could act on it is not in the report and is sent then; one \
                 refused after an earlier request that MX may have acted on is reported as failed"
            ),
            // A refusal that came when every row was already reported stopped nothing, but
            // the proxy setting is still wrong: its answer is said all the same.
            Stop::No => {
                if let Some(refusal) = &self.ended.proxy_refused {
                    eprintln!(
                        "mx-sso: {refusal}: fix the proxy setting named there before the next run"
                    );
                }
            }
            Stop::Interrupted => {}
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

    fn stop(&self) -> Stop<'_> {
        let reported: u64 = self.outcomes.values().sum();
        Happened {
            file_changed: self.ended.fatal.is_some(),
            report_failed: self.report_error().is_some(),
            proxy_refused: self.ended.proxy_refused.as_deref(),
            server_wait: self.refused_wait.is_some(),
            stop_flag: self.stop_flag,
            left: self.findings.rows.saturating_sub(reported),
        }
        .stop()
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
            Stop::Interrupted | Stop::ServerWait | Stop::ProxyRefused(_)
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

/// What happened in a run, as far as why it stopped goes.
#[derive(Default)]
struct Happened<'a> {
    file_changed: bool,
    report_failed: bool,
    /// The proxy's refusal of the credentials.
    proxy_refused: Option<&'a str>,
    /// A server asked to wait longer than a pause may last.
    server_wait: bool,
    stop_flag: bool,
    /// Rows not in the report.
    left: u64,
}

impl<'a> Happened<'a> {
    /// Why the run stopped. A Ctrl-C, a server's long wait or a proxy's refusal that came when
    /// every row was already reported stopped nothing.
    fn stop(&self) -> Stop<'a> {
        if self.file_changed {
            Stop::FileChanged
        } else if self.report_failed {
            Stop::ReportFailed
        } else if self.left == 0 {
            Stop::No
        } else if let Some(refusal) = self.proxy_refused {
            Stop::ProxyRefused(refusal)
        } else if self.server_wait {
            Stop::ServerWait
        } else if self.stop_flag {
            Stop::Interrupted
        } else {
            Stop::No
        }
    }
}

/// The exit status of a run that sent rows: 1 when it stopped on a problem (the report says
/// how far it got), 130 when interrupted, else 0 when every row in the report succeeded and 1
/// when some failed.
fn exit_status(stop: Stop, all_ok: bool) -> u8 {
    match stop {
        Stop::FileChanged | Stop::ReportFailed | Stop::ServerWait | Stop::ProxyRefused(_) => {
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
        let interrupted = Happened {
            stop_flag: true,
            ..Happened::default()
        };
        assert_eq!(interrupted.stop(), Stop::No);
        assert_eq!(exit_status(interrupted.stop(), true), exit::OK);
        assert_eq!(exit_status(interrupted.stop(), false), exit::FAILED);
        let with_rows_left = Happened {
            left: 3,
            ..interrupted
        };
        assert_eq!(with_rows_left.stop(), Stop::Interrupted);
        assert_eq!(exit_status(with_rows_left.stop(), true), exit::INTERRUPTED);
    }

    #[test]
    fn a_problem_stops_the_run_whatever_is_left() {
        let everything = Happened {
            file_changed: true,
            report_failed: true,
            proxy_refused: Some("refused"),
            server_wait: true,
            stop_flag: true,
            left: 0,
        };
        assert_eq!(everything.stop(), Stop::FileChanged);
        let report_failed = Happened {
            file_changed: false,
            ..everything
        };
        assert_eq!(report_failed.stop(), Stop::ReportFailed);
        let nothing_left = Happened {
            report_failed: false,
            ..report_failed
        };
        assert_eq!(nothing_left.stop(), Stop::No);
        let proxy_refused = Happened {
            left: 5,
            ..nothing_left
        };
        assert_eq!(proxy_refused.stop(), Stop::ProxyRefused("refused"));
        let server_wait = Happened {
            proxy_refused: None,
            ..proxy_refused
        };
        assert_eq!(server_wait.stop(), Stop::ServerWait);
        let rows_left_alone = Happened {
            left: 2,
            ..Happened::default()
        };
        assert_eq!(rows_left_alone.stop(), Stop::No);
        for stop in [
            Stop::FileChanged,
            Stop::ReportFailed,
            Stop::ServerWait,
            Stop::ProxyRefused("refused"),
        ] {
            assert_eq!(exit_status(stop, true), exit::FAILED);
        }
    }
}
