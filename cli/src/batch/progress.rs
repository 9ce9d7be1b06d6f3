//! Progress on standard error while rows are sent: a bar (rows, rate, ETA, failures) on a
//! terminal, a plain line every few seconds otherwise (a log file, CI); and the tally of
//! outcomes that the closing summary prints. Nothing here ever sees the API key: it shows
//! counts and the library's masked messages only.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::lock;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Counts shared by the workers and the display.
#[derive(Default)]
pub struct Counts {
    pub finished: AtomicU64,
    pub failed: AtomicU64,
    outcomes: Mutex<BTreeMap<String, u64>>,
}

impl Counts {
    pub fn record(&self, outcome: &str) {
        self.finished.fetch_add(1, Ordering::Relaxed);
        if outcome != mx_sso::Status::Ok.name() {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        let mut outcomes = lock(&self.outcomes);
        *outcomes.entry(outcome.to_string()).or_default() += 1;
    }

    pub fn outcomes(&self) -> BTreeMap<String, u64> {
        lock(&self.outcomes).clone()
    }
}

/// The display of one run: `total` rows to send in it. [`Progress::finish`] ends it (it must be
/// called: the bar and the plain-line thread live on until then).
pub struct Progress {
    counts: Arc<Counts>,
    bar: Option<ProgressBar>,
    ticker: Mutex<Option<(mpsc::Sender<()>, JoinHandle<()>)>>,
}

impl Progress {
    pub fn start(total: u64, every: Duration, counts: Arc<Counts>) -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{wide_bar} {pos}/{len} rows · {rate} · ETA {eta} · {msg}",
                )
                .map(|style| {
                    style.with_key(
                        "rate",
                        |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                            let _ = out.write_str(&rate_text(state.per_sec()));
                        },
                    )
                })
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message("0 failed");
            bar.enable_steady_tick(Duration::from_millis(200));
            return Progress {
                counts,
                bar: Some(bar),
                ticker: Mutex::new(None),
            };
        }
        let (stop, stopped) = mpsc::channel();
        let shared = counts.clone();
        let started = Instant::now();
        let handle = thread::spawn(move || loop {
            match stopped.recv_timeout(every) {
                Err(RecvTimeoutError::Timeout) => {
                    eprintln!("{}", plain_line(&shared, total, started, false))
                }
                _ => {
                    eprintln!("{}", plain_line(&shared, total, started, true));
                    return;
                }
            }
        });
        Progress {
            counts,
            bar: None,
            ticker: Mutex::new(Some((stop, handle))),
        }
    }

    /// One row finished with `outcome`.
    pub fn row_done(&self, outcome: &str) {
        self.counts.record(outcome);
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if outcome != mx_sso::Status::Ok.name() {
                bar.set_message(format!(
                    "{} failed",
                    self.counts.failed.load(Ordering::Relaxed)
                ));
            }
        }
    }

    /// A line for the operator, above the bar when there is one.
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(format!("mx-sso: {text}")),
            None => eprintln!("mx-sso: {text}"),
        }
    }

    /// Ends the display before the summary is printed: the bar is drawn one last time and
    /// left, or the plain-line thread prints its last line and ends.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
            // The bar's last line has no line end of its own: the summary starts below it.
            eprintln!();
        }
        if let Some((stop, handle)) = lock(&self.ticker).take() {
            drop(stop);
            let _ = handle.join();
        }
    }
}

/// A rate as the bar shows it: `386 rows/s` (indicatif's own `{per_sec}` shows `385.5215/s`).
fn rate_text(per_sec: f64) -> String {
    if per_sec.is_finite() {
        format!("{per_sec:.0} rows/s")
    } else {
        "- rows/s".to_string()
    }
}

/// `mx-sso batch: 5000/10000 rows (50%), 812 rows/s, ETA 6 s, 3 failed`, or at the end
/// `mx-sso batch: 10000/10000 rows (100%), 812 rows/s, 3 failed, ended after 12.3 s`.
fn plain_line(counts: &Counts, total: u64, started: Instant, last: bool) -> String {
    let finished = counts.finished.load(Ordering::Relaxed);
    let failed = counts.failed.load(Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64().max(1e-3);
    let rate = finished as f64 / seconds;
    let percent = if total == 0 {
        100.0
    } else {
        finished as f64 * 100.0 / total as f64
    };
    let head = format!("mx-sso batch: {finished}/{total} rows ({percent:.0}%), {rate:.0} rows/s");
    if last {
        return format!("{head}, {failed} failed, ended after {seconds:.1} s");
    }
    let eta = if rate > 0.0 {
        format!("{:.0} s", (total.saturating_sub(finished)) as f64 / rate)
    } else {
        "unknown".to_string()
    };
    format!("{head}, ETA {eta}, {failed} failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_whole_rows_a_second() {
        assert_eq!(rate_text(385.5215), "386 rows/s");
        assert_eq!(rate_text(0.0), "0 rows/s");
        assert_eq!(rate_text(f64::NAN), "- rows/s");
    }
}
