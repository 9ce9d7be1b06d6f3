//! When a worker may start its next row: the pause every worker keeps after a server's
//! `Retry-After`, and `--rate`, which spaces row starts evenly. Every wait wakes up on Ctrl-C.
//!
//! Invariant: a row starts only at an instant when neither holds it back, both looked at after
//! the last sleep. (Looking at the pause once before queueing for a `--rate` turn let the
//! workers already queued start during a pause set meanwhile.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::lock;

/// How often a wait looks at the stop flag and the pause.
const POLL: Duration = Duration::from_millis(20);

/// The time source of the waits (a fake one in tests, so that schedules are checked without
/// measuring time).
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
    fn sleep(&self, duration: Duration);
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) {
        thread::sleep(duration);
    }
}

/// Row starts: spaced by `1 / rate` seconds, one at a time, and held back by a pause shared by
/// every worker (a server that answers 429 or 503 with `Retry-After` has asked the whole client
/// to wait, not only the request that got the answer).
pub struct Pacer {
    clock: Arc<dyn Clock>,
    interval: Option<Duration>,
    /// The longest pause kept: a server asking for more stops the run instead of stalling it.
    max_pause: Duration,
    /// The longest wait asked for beyond `max_pause`.
    refused: Mutex<Option<Duration>>,
    /// The last start. Held while a worker waits for its `--rate` turn, so that starts are at
    /// least `interval` apart and no one-second window holds more than `rate` of them (no
    /// burst after a slow patch either: the next turn is counted from the last actual start).
    last: Mutex<Option<Instant>>,
    paused_until: Mutex<Option<Instant>>,
}

impl Pacer {
    /// `interval`: the time between two starts (`1 / --rate`), or `None` for no limit;
    /// `max_pause`: the longest pause a server's `Retry-After` may set.
    pub fn new(interval: Option<Duration>, max_pause: Duration) -> Pacer {
        Pacer::with_clock(interval, max_pause, Arc::new(SystemClock))
    }

    pub fn with_clock(
        interval: Option<Duration>,
        max_pause: Duration,
        clock: Arc<dyn Clock>,
    ) -> Pacer {
        Pacer {
            clock,
            interval,
            max_pause,
            refused: Mutex::new(None),
            last: Mutex::new(None),
            paused_until: Mutex::new(None),
        }
    }

    /// No row starts before `wait` from now (a longer pause already set is kept); a `wait`
    /// over `max_pause` sets no pause and is remembered (see [`Pacer::refused_wait`]).
    pub fn pause_for(&self, wait: Duration) -> Pause {
        if wait > self.max_pause {
            let mut refused = lock(&self.refused);
            *refused = Some(refused.map_or(wait, |r| r.max(wait)));
            return Pause::TooLong;
        }
        let until = self.clock.now() + wait;
        let mut current = lock(&self.paused_until);
        if current.is_some_and(|c| c >= until) {
            return Pause::Kept;
        }
        *current = Some(until);
        Pause::Extended
    }

    /// The longest wait a server asked for that was over `max_pause`, if any.
    pub fn refused_wait(&self) -> Option<Duration> {
        *lock(&self.refused)
    }

    pub fn max_pause(&self) -> Duration {
        self.max_pause
    }

    /// Waits until this worker may start a row; false when stopped meanwhile.
    pub fn wait_turn(&self, stop: &AtomicBool) -> bool {
        let Some(interval) = self.interval else {
            return self.wait_until(|now| now, stop).is_some();
        };
        let mut last = lock(&self.last);
        let previous = *last;
        match self.wait_until(|now| previous.map_or(now, |p| p + interval), stop) {
            Some(started) => {
                *last = Some(started);
                true
            }
            None => false,
        }
    }

    /// Sleeps until neither `turn(now)` nor the pause holds a start back; that instant, or
    /// `None` when stopped meanwhile.
    fn wait_until(&self, turn: impl Fn(Instant) -> Instant, stop: &AtomicBool) -> Option<Instant> {
        loop {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let now = self.clock.now();
            let paused_until = lock(&self.paused_until).unwrap_or(now);
            let until = turn(now).max(paused_until);
            if until <= now {
                return Some(now);
            }
            self.clock.sleep((until - now).min(POLL));
        }
    }
}

/// What [`Pacer::pause_for`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pause {
    /// The pause now ends later than before.
    Extended,
    /// A pause that ends later was already set.
    Kept,
    /// The wait is over the longest pause kept: no pause was set.
    TooLong,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock whose time moves only when someone sleeps; `on_sleep` runs before each sleep
    /// (what another worker does meanwhile).
    struct FakeClock {
        start: Instant,
        elapsed: Mutex<Duration>,
        on_sleep: Mutex<Option<Box<dyn FnMut() + Send>>>,
    }

    impl FakeClock {
        fn new() -> Arc<FakeClock> {
            Arc::new(FakeClock {
                start: Instant::now(),
                elapsed: Mutex::new(Duration::ZERO),
                on_sleep: Mutex::new(None),
            })
        }

        fn elapsed(&self) -> Duration {
            *lock(&self.elapsed)
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start + self.elapsed()
        }

        fn sleep(&self, duration: Duration) {
            let hook = lock(&self.on_sleep).take();
            if let Some(mut hook) = hook {
                hook();
            }
            *lock(&self.elapsed) += duration;
        }
    }

    const MS: Duration = Duration::from_millis(1);
    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn starts_are_spaced_by_the_interval_and_never_burst() {
        let clock = FakeClock::new();
        let pacer = Pacer::with_clock(Some(20 * MS), HOUR, clock.clone());
        let stop = AtomicBool::new(false);
        let mut starts = Vec::new();
        for _ in 0..5 {
            assert!(pacer.wait_turn(&stop));
            starts.push(clock.elapsed());
        }
        assert_eq!(starts, [Duration::ZERO, 20 * MS, 40 * MS, 60 * MS, 80 * MS]);
        // After a slow patch the next start is at once, and the one after a full interval later.
        clock.sleep(500 * MS);
        assert!(pacer.wait_turn(&stop));
        assert!(pacer.wait_turn(&stop));
        assert_eq!(clock.elapsed(), 600 * MS);
    }

    #[test]
    fn a_pause_set_while_a_worker_waits_for_its_turn_holds_that_start() {
        let clock = FakeClock::new();
        let pacer = Arc::new(Pacer::with_clock(Some(200 * MS), HOUR, clock.clone()));
        let stop = AtomicBool::new(false);
        assert!(pacer.wait_turn(&stop));
        // A 429 with Retry-After: 3 comes back on another worker while this one sleeps towards
        // its turn.
        let other = Arc::downgrade(&pacer);
        *lock(&clock.on_sleep) = Some(Box::new(move || {
            assert_eq!(
                other.upgrade().unwrap().pause_for(3000 * MS),
                Pause::Extended
            );
        }));
        assert!(pacer.wait_turn(&stop));
        assert_eq!(clock.elapsed(), 3000 * MS, "started when the pause ended");
        // The next turn is counted from that start.
        assert!(pacer.wait_turn(&stop));
        assert_eq!(clock.elapsed(), 3200 * MS);
    }

    #[test]
    fn a_pause_holds_every_start_a_shorter_one_is_kept_longer_and_stop_ends_any_wait() {
        let clock = FakeClock::new();
        let pacer = Pacer::with_clock(None, HOUR, clock.clone());
        let stop = AtomicBool::new(false);
        assert_eq!(pacer.pause_for(60 * MS), Pause::Extended);
        assert_eq!(
            pacer.pause_for(10 * MS),
            Pause::Kept,
            "a longer pause is kept"
        );
        assert!(pacer.wait_turn(&stop));
        assert_eq!(clock.elapsed(), 60 * MS);
        assert!(
            pacer.wait_turn(&stop),
            "no rate: no wait once the pause is over"
        );
        assert_eq!(clock.elapsed(), 60 * MS);

        pacer.pause_for(Duration::from_secs(60));
        stop.store(true, Ordering::Relaxed);
        assert!(!pacer.wait_turn(&stop));
        let rated = Pacer::with_clock(Some(Duration::from_secs(1000)), HOUR, clock.clone());
        assert!(!rated.wait_turn(&stop));
        assert_eq!(clock.elapsed(), 60 * MS, "a stopped wait does not sleep");
    }

    #[test]
    fn a_wait_over_the_longest_pause_sets_none_and_is_remembered() {
        let clock = FakeClock::new();
        let pacer = Pacer::with_clock(None, 30_000 * MS, clock.clone());
        let stop = AtomicBool::new(false);
        assert_eq!(pacer.refused_wait(), None);
        assert_eq!(pacer.pause_for(30_000 * MS), Pause::Extended);
        assert_eq!(pacer.pause_for(HOUR), Pause::TooLong);
        assert_eq!(pacer.pause_for(Duration::MAX), Pause::TooLong);
        assert_eq!(pacer.pause_for(2 * HOUR), Pause::TooLong);
        assert_eq!(pacer.refused_wait(), Some(Duration::MAX), "the longest");
        assert!(pacer.wait_turn(&stop));
        assert_eq!(
            clock.elapsed(),
            30_000 * MS,
            "only the pause kept was waited for"
        );
    }
}
