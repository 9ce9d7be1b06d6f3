//! When a worker may start its next row: the pause every worker keeps after a server's
//! `Retry-After`, and `--rate`, which spaces row starts evenly. Every wait wakes up on Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use super::lock;

/// How often a wait looks at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// Sleeps until `until`, or until `stop` is set; false when stopped.
fn sleep_until(until: Instant, stop: &AtomicBool) -> bool {
    loop {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let now = Instant::now();
        if now >= until {
            return true;
        }
        thread::sleep((until - now).min(POLL));
    }
}

/// A pause shared by every worker: a server that answers 429 or 503 with `Retry-After` has
/// asked the whole client to wait, not only the request that got the answer.
#[derive(Default)]
pub struct Gate {
    until: Mutex<Option<Instant>>,
}

impl Gate {
    /// No row starts before `wait` from now (a longer pause already set is kept). Returns true
    /// when this extends the pause.
    pub fn pause_for(&self, wait: Duration) -> bool {
        let until = Instant::now() + wait;
        let mut current = lock(&self.until);
        if current.is_some_and(|c| c >= until) {
            return false;
        }
        *current = Some(until);
        true
    }

    /// Waits while paused; false when stopped meanwhile.
    pub fn wait(&self, stop: &AtomicBool) -> bool {
        loop {
            let until = *lock(&self.until);
            match until {
                Some(until) if Instant::now() < until => {
                    if !sleep_until(until, stop) {
                        return false;
                    }
                    // The pause may have been extended while sleeping: look again.
                }
                _ => return !stop.load(Ordering::Relaxed),
            }
        }
    }
}

/// Row starts spaced by `1 / rate` seconds, one at a time: the lock is held while a worker waits
/// for its turn, so starts are at least that far apart and no one-second window holds more than
/// `rate` of them (no burst after a slow patch either: the next start is counted from the last
/// actual one).
pub struct Pacer {
    interval: Option<Duration>,
    last: Mutex<Option<Instant>>,
}

impl Pacer {
    /// `rate`: starts per second, or `None` for no limit.
    pub fn new(rate: Option<f64>) -> Pacer {
        Pacer {
            interval: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
            last: Mutex::new(None),
        }
    }

    /// Waits for this worker's turn to start a row; false when stopped meanwhile.
    pub fn wait_turn(&self, stop: &AtomicBool) -> bool {
        let Some(interval) = self.interval else {
            return !stop.load(Ordering::Relaxed);
        };
        let mut last = lock(&self.last);
        if let Some(previous) = *last {
            if !sleep_until(previous + interval, stop) {
                return false;
            }
        }
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_spaced_by_the_interval() {
        let pacer = Pacer::new(Some(50.0));
        let stop = AtomicBool::new(false);
        let started = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..5 {
            assert!(pacer.wait_turn(&stop));
            starts.push(Instant::now());
        }
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(20));
        }
        assert!(started.elapsed() >= Duration::from_millis(80));
    }

    #[test]
    fn a_pause_holds_every_waiter_and_stop_ends_any_wait() {
        let gate = Gate::default();
        let stop = AtomicBool::new(false);
        assert!(gate.pause_for(Duration::from_millis(60)));
        assert!(
            !gate.pause_for(Duration::from_millis(10)),
            "a shorter pause is kept longer"
        );
        let started = Instant::now();
        assert!(gate.wait(&stop));
        assert!(started.elapsed() >= Duration::from_millis(50));
        gate.pause_for(Duration::from_secs(60));
        stop.store(true, Ordering::Relaxed);
        assert!(!gate.wait(&stop));
        assert!(!Pacer::new(Some(0.001)).wait_turn(&stop));
    }
}
