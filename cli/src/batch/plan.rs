//! What a batch's flags ask for, checked before anything is opened or read: the operation,
//! the workers, `--rate` and `--progress-every` as durations, and the field flags. A flag that
//! cannot work is a usage error (exit 2) here, never a failure once a report exists.

use std::sync::Arc;
use std::time::Duration;

use mx_sso::operation::Resource;
use mx_sso::Operation;

use super::input::Shape;
use crate::args::BatchArgs;
use crate::body;
use crate::exit::UsageError;

/// Most workers accepted: more threads than this only queue on MX's side.
const MAX_CONCURRENCY: usize = 256;
/// Shortest time between two plain progress lines (shorter would flood a log).
const MIN_PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The checked flags of a batch.
pub struct Plan {
    pub shape: Arc<Shape>,
    pub concurrency: usize,
    /// Between two row starts (`1 / --rate`); `None`: no limit.
    pub interval: Option<Duration>,
    pub progress_every: Duration,
}

/// Checks the flags of `mx-sso batch`.
pub fn check_args(args: &BatchArgs) -> Result<Plan, UsageError> {
    let op = Operation::from_name(&args.op).map_err(|e| UsageError(format!("--op: {e}")))?;
    if args.concurrency == 0 || args.concurrency > MAX_CONCURRENCY {
        return Err(UsageError(format!(
            "--concurrency is {}; between 1 and {MAX_CONCURRENCY} is accepted",
            args.concurrency
        )));
    }
    let (interval, progress_every) = timings(args)?;
    let fields = args.fields.given();
    if !fields.is_empty() && op.spec().resource != Resource::User {
        return Err(UsageError(format!(
            "field flags such as {} set user fields; {} takes member bodies (give them in a \
             .jsonl file)",
            body::flag_name(fields[0].0),
            op.name()
        )));
    }
    let flag_pairs = body::flag_pairs(&fields);
    check_field_flags(&flag_pairs)?;
    Ok(Plan {
        shape: Arc::new(Shape { op, flag_pairs }),
        concurrency: args.concurrency,
        interval,
        progress_every,
    })
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
