//! The report: JSON Lines, one line per input row, appended with one `write` per line as each
//! row finishes, so that a run killed at any moment leaves every finished row recorded (at worst
//! a last line cut off by SIGKILL, which `--resume` drops: that row is sent again).
//!
//! `--resume` reads an existing report back: the rows it holds are done and are skipped; each
//! is remembered by its line and a fingerprint of its id, so that a report that belongs to
//! another file is refused instead of skipping the wrong rows.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::exit::UsageError;

/// One line of the report.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportLine {
    /// The input row's line, as an editor shows it.
    pub line: u64,
    /// The row's id (for a create or ensure, its external guid); null when it has none.
    pub id: Option<String>,
    /// The call's final status name: `MX_OK`, `MX_ERR_HTTP`, ... (`MX_ERR_VALIDATION` or
    /// `MX_ERR_INVALID_ARGUMENT` for a row refused before sending).
    pub outcome: String,
    /// The HTTP status of the last answer (the 2xx on success), null when none came.
    pub http_status: Option<u16>,
    /// Requests sent for this row (retries and read-backs included).
    pub attempts: u32,
    pub elapsed_ms: u64,
    /// Why the row failed (the library's message, which never holds a secret); null on success.
    pub message: Option<String>,
    /// The run's operation and field flags, which the writer adds to every line after the
    /// fields above ([`Tagged`]); read back to refuse a `--resume` of another operation. Absent
    /// in reports of 0.2.0.
    #[serde(default, skip_serializing)]
    pub op: Option<String>,
    #[serde(default, skip_serializing)]
    pub flags: Option<String>,
}

/// A report line as written: the row's fields, then the run's [`RunTag`].
#[derive(Serialize)]
struct Tagged<'a> {
    #[serde(flatten)]
    line: &'a ReportLine,
    op: &'a str,
    flags: &'a str,
}

/// What every report line records of the run that wrote it: the operation (`user.update`) and
/// a fingerprint of the field flags (`--status DISABLED`), so that `--resume` with another
/// operation or other flags is refused instead of finishing the file with other calls.
#[derive(Clone, Debug)]
pub struct RunTag {
    pub op: String,
    pub flags: String,
}

impl RunTag {
    pub fn new(op: &str, flag_pairs: &[(String, String)]) -> RunTag {
        let mut text = String::new();
        for (name, value) in flag_pairs {
            text.push_str(name);
            text.push('=');
            text.push_str(value);
            text.push('\n');
        }
        RunTag {
            op: op.to_string(),
            flags: format!("{:08x}", fingerprint(Some(&text))),
        }
    }

    /// Refuses a report line written by a run of another operation or other field flags.
    fn check(&self, line: &ReportLine, shown: &str, number: u64) -> Result<(), UsageError> {
        if let Some(op) = line.op.as_deref().filter(|&op| op != self.op) {
            return Err(UsageError(format!(
                "{shown} line {number} is the report of --op {op}, and this run is --op {}: \
                 resume with the same command (--op {op} and the same field flags), or use a \
                 new report",
                self.op
            )));
        }
        if line
            .flags
            .as_deref()
            .is_some_and(|flags| flags != self.flags)
        {
            return Err(UsageError(format!(
                "{shown} line {number} was written by a run with other field flags (such as \
                 --status) than this one: resume with the same command and flags, or use a new \
                 report"
            )));
        }
        Ok(())
    }
}

/// Where report lines go: the report file, or in tests a fake that fails a write half-way.
pub trait Sink: Send {
    fn write_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Cuts the sink back to `length` bytes.
    fn cut_to(&mut self, length: u64) -> std::io::Result<()>;
    fn sync(&mut self) -> std::io::Result<()>;
}

impl Sink for File {
    fn write_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write_all(bytes)
    }

    fn cut_to(&mut self, length: u64) -> std::io::Result<()> {
        self.set_len(length)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.sync_all()
    }
}

/// The report being written. Invariant: the file holds whole lines only, `length` bytes of
/// them, or a write failed and nothing more is appended (a line cut off by a full disk would
/// otherwise have the next line glued to it, and `--resume` could not read the report).
pub struct ReportWriter {
    sink: Box<dyn Sink>,
    length: u64,
    failed: bool,
    tag: RunTag,
}

impl ReportWriter {
    pub fn new(sink: Box<dyn Sink>, length: u64, tag: &RunTag) -> ReportWriter {
        ReportWriter {
            sink,
            length,
            failed: false,
            tag: tag.clone(),
        }
    }

    /// Appends one line with a single `write` (so that lines never interleave), flushed to the
    /// operating system before the next row is taken. After a failed write the file is cut
    /// back to its whole lines, and every later append fails.
    pub fn append(&mut self, line: &ReportLine) -> std::io::Result<()> {
        if self.failed {
            return Err(std::io::Error::other(
                "an earlier line could not be written",
            ));
        }
        let tagged = Tagged {
            line,
            op: &self.tag.op,
            flags: &self.tag.flags,
        };
        let mut text = serde_json::to_vec(&tagged).map_err(std::io::Error::other)?;
        text.push(b'\n');
        match self.sink.write_bytes(&text) {
            Ok(()) => {
                self.length += text.len() as u64;
                Ok(())
            }
            Err(e) => {
                self.failed = true;
                // Should this fail too, the cut-off line stays last, and --resume drops it.
                let _ = self.sink.cut_to(self.length);
                Err(e)
            }
        }
    }

    /// Flushes the report to the disk at the end of a run.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.sink.sync()
    }
}

/// The rows a report already holds: (input line, fingerprint of its label), sorted by line.
/// Memory follows the lines the report holds (16 bytes each), never a line number it names.
#[derive(Default)]
pub struct DoneRows {
    rows: Vec<(u64, u32)>,
}

/// A fingerprint of a row's label, never 0.
pub fn fingerprint(label: Option<&str>) -> u32 {
    // FNV-1a: a mix-up of files shows on the first differing row; no attacker is involved.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in label.unwrap_or("\u{0}null").bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash | 1
}

impl DoneRows {
    /// The fingerprint of the row done at `line`, if the report holds it.
    pub fn get(&self, line: u64) -> Option<u32> {
        self.rows
            .binary_search_by_key(&line, |&(l, _)| l)
            .ok()
            .map(|i| self.rows[i].1)
    }

    pub fn count(&self) -> u64 {
        self.rows.len() as u64
    }

    /// Adds a row; [`DoneRows::sort`] must follow the last one.
    fn push(&mut self, line: u64, print: u32) {
        self.rows.push((line, print));
    }

    /// Sorts the rows by line (reports are written in the order rows finish); an error names a
    /// line held twice.
    fn sort(&mut self) -> Result<(), String> {
        self.rows.sort_unstable_by_key(|&(line, _)| line);
        match self.rows.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            Some(pair) => Err(format!("holds input line {} twice", pair[0].0)),
            None => Ok(()),
        }
    }
}

/// What an existing report holds.
#[derive(Default)]
pub struct Previous {
    pub done: DoneRows,
    pub outcomes: BTreeMap<String, u64>,
}

/// Refuses an existing report unless the run resumes it.
pub fn check_new(path: &Path) -> Result<(), UsageError> {
    if path.exists() {
        return Err(UsageError(format!(
            "the report {} exists: add --resume to continue that run (its rows are skipped), or \
             choose another report file",
            path.display()
        )));
    }
    Ok(())
}

/// An existing report read back for `--resume`: what it holds, how much of it to keep, and the
/// file, locked for this run.
pub struct Resumed {
    pub previous: Previous,
    keep: Keep,
    file: File,
}

/// Reads back the report at `path`, if there is one. `max_line` bounds the input line numbers
/// that a report of this input can name. `to_append`: the run will append to it, so it is
/// locked for this run; otherwise it is only read.
pub fn read_previous(
    path: &Path,
    max_line: u64,
    to_append: bool,
    tag: &RunTag,
) -> Result<Option<Resumed>, UsageError> {
    if !path.exists() {
        return Ok(None);
    }
    let shown = path.display();
    let file = OpenOptions::new()
        .read(true)
        .append(to_append)
        .open(path)
        .map_err(|e| UsageError(format!("cannot open the report {shown}: {e}")))?;
    if to_append {
        lock_for_this_run(&file, path)?;
    }
    let (previous, keep) = read_back(&file, path, max_line, tag)?;
    Ok(Some(Resumed {
        previous,
        keep,
        file,
    }))
}

/// Takes an exclusive lock on the report, held until the process ends: two runs appending to
/// one report (two `--resume` at once) would both send the rows it lacks.
#[cfg(unix)]
fn lock_for_this_run(file: &File, path: &Path) -> Result<(), UsageError> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock(2) on a descriptor that `file` keeps open for the duration of the call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(());
    }
    let error = std::io::Error::last_os_error();
    if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
        return Err(UsageError(format!(
            "the report {} is in use by another mx-sso batch run: wait for it to end (or stop \
             it), then run again",
            path.display()
        )));
    }
    Err(UsageError(format!(
        "cannot lock the report {}: {error}",
        path.display()
    )))
}

#[cfg(not(unix))]
fn lock_for_this_run(_file: &File, _path: &Path) -> Result<(), UsageError> {
    Ok(())
}

/// Opens the report for appending: a new file, or the resumed one with a line cut off by a kill
/// dropped (that row is sent again).
pub fn open_writer(
    path: &Path,
    resumed: Option<&Resumed>,
    tag: &RunTag,
) -> Result<ReportWriter, UsageError> {
    let shown = path.display();
    let Some(resumed) = resumed else {
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(|e| UsageError(format!("cannot create the report {shown}: {e}")))?;
        lock_for_this_run(&file, path)?;
        return Ok(ReportWriter::new(Box::new(file), 0, tag));
    };
    let keep = &resumed.keep;
    // A second descriptor of the same open file: it shares the lock.
    let mut file = resumed
        .file
        .try_clone()
        .map_err(|e| UsageError(format!("cannot open the report {shown}: {e}")))?;
    let length = file.metadata().map(|m| m.len()).unwrap_or(keep.length);
    if keep.length < length {
        eprintln!(
            "mx-sso: the report's last line was cut off (the run was killed while writing it); \
             dropping it: that row is sent again"
        );
        file.set_len(keep.length)
            .map_err(|e| UsageError(format!("cannot repair the report {shown}: {e}")))?;
    }
    if keep.needs_newline {
        file.write_all(b"\n")
            .map_err(|e| UsageError(format!("cannot write the report {shown}: {e}")))?;
    }
    let length = keep.length + u64::from(keep.needs_newline);
    Ok(ReportWriter::new(Box::new(file), length, tag))
}

/// How much of an existing report to keep.
struct Keep {
    /// Bytes of whole lines.
    length: u64,
    /// The last whole line lacks its line end.
    needs_newline: bool,
}

fn read_back(
    file: &File,
    path: &Path,
    max_line: u64,
    tag: &RunTag,
) -> Result<(Previous, Keep), UsageError> {
    let shown = path.display();
    let mut reader = BufReader::new(file);
    let mut previous = Previous::default();
    let mut keep = Keep {
        length: 0,
        needs_newline: false,
    };
    let mut buffer = Vec::new();
    let mut number = 0u64;
    loop {
        buffer.clear();
        let n = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|e| UsageError(format!("cannot read the report {shown}: {e}")))?;
        if n == 0 {
            break;
        }
        number += 1;
        let complete = buffer.last() == Some(&b'\n');
        if buffer.iter().all(u8::is_ascii_whitespace) {
            keep.length += n as u64;
            continue;
        }
        let line = match serde_json::from_slice::<ReportLine>(&buffer) {
            Ok(line) => line,
            // Cut off by a kill in the middle of its write: dropped, its row is sent again.
            Err(_) if !complete => break,
            Err(e) => {
                return Err(UsageError(format!(
                    "{shown} line {number} is not a report line ({e}); is this the report of \
                     this input?"
                )))
            }
        };
        if line.line < 1 || line.line > max_line {
            return Err(UsageError(format!(
                "{shown} line {number} names input line {}, which the input does not have; is \
                 this the report of this input?",
                line.line
            )));
        }
        tag.check(&line, &shown.to_string(), number)?;
        previous
            .done
            .push(line.line, fingerprint(line.id.as_deref()));
        *previous.outcomes.entry(line.outcome).or_default() += 1;
        keep.length += n as u64;
        keep.needs_newline = !complete;
    }
    previous
        .done
        .sort()
        .map_err(|e| UsageError(format!("{shown} {e}; is it the report of one run?")))?;
    Ok((previous, keep))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Bytes kept in memory; the write number `fail_at` (from 0) writes half its bytes and
    /// fails, as a full disk does.
    struct HalfFull {
        bytes: Arc<Mutex<Vec<u8>>>,
        writes: usize,
        fail_at: usize,
    }

    impl Sink for HalfFull {
        fn write_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
            let mut kept = self.bytes.lock().unwrap();
            self.writes += 1;
            if self.writes - 1 == self.fail_at {
                kept.extend_from_slice(&bytes[..bytes.len() / 2]);
                return Err(std::io::Error::other("No space left on device"));
            }
            kept.extend_from_slice(bytes);
            Ok(())
        }

        fn cut_to(&mut self, length: u64) -> std::io::Result<()> {
            self.bytes.lock().unwrap().truncate(length as usize);
            Ok(())
        }

        fn sync(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn line(n: u64) -> ReportLine {
        ReportLine {
            line: n,
            id: Some(format!("bank-user-{n}")),
            outcome: "MX_OK".into(),
            http_status: Some(200),
            attempts: 1,
            elapsed_ms: 1,
            message: None,
            op: None,
            flags: None,
        }
    }

    #[test]
    fn rows_done_are_found_by_line_and_a_huge_line_costs_no_more_than_any_other() {
        let mut done = DoneRows::default();
        for (line, print) in [(7, 70), (2, 20), (1_000_000_000_000, 9), (3, 30)] {
            done.push(line, print);
        }
        done.sort().unwrap();
        assert_eq!(done.count(), 4);
        assert_eq!(
            [2, 3, 4, 7, 1_000_000_000_000].map(|line| done.get(line)),
            [Some(20), Some(30), None, Some(70), Some(9)]
        );
        assert!(done.rows.capacity() < 100);
        done.push(3, 31);
        assert_eq!(done.sort().unwrap_err(), "holds input line 3 twice");
    }

    #[test]
    fn a_line_is_its_fields_then_the_runs_tag_and_reads_back() {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let sink = HalfFull {
            bytes: bytes.clone(),
            writes: 0,
            fail_at: usize::MAX,
        };
        let tag = RunTag {
            op: "user.update".into(),
            flags: "1b2c3d4e".into(),
        };
        let mut writer = ReportWriter::new(Box::new(sink), 0, &tag);
        writer.append(&line(2)).unwrap();
        let failed = ReportLine {
            id: None,
            outcome: "MX_ERR_HTTP".into(),
            http_status: None,
            message: Some("MX said \"no\" \u{e9}".into()),
            ..line(3)
        };
        writer.append(&failed).unwrap();
        let text = String::from_utf8(bytes.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text,
            "{\"line\":2,\"id\":\"bank-user-2\",\"outcome\":\"MX_OK\",\"http_status\":200,\
             \"attempts\":1,\"elapsed_ms\":1,\"message\":null,\"op\":\"user.update\",\
             \"flags\":\"1b2c3d4e\"}\n\
             {\"line\":3,\"id\":null,\"outcome\":\"MX_ERR_HTTP\",\"http_status\":null,\
             \"attempts\":1,\"elapsed_ms\":1,\"message\":\"MX said \\\"no\\\" \u{e9}\",\
             \"op\":\"user.update\",\"flags\":\"1b2c3d4e\"}\n"
        );
        let read: ReportLine = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(
            (read.op.as_deref(), read.flags.as_deref()),
            (Some("user.update"), Some("1b2c3d4e"))
        );
    }

    #[test]
    fn a_line_cut_off_by_a_failed_write_is_removed_and_nothing_is_appended_after_it() {
        let bytes = Arc::new(Mutex::new(b"{\"earlier\":1}\n".to_vec()));
        let start = bytes.lock().unwrap().len() as u64;
        let sink = HalfFull {
            bytes: bytes.clone(),
            writes: 0,
            fail_at: 2,
        };
        let tag = RunTag::new("user.update", &[]);
        let mut writer = ReportWriter::new(Box::new(sink), start, &tag);
        writer.append(&line(2)).unwrap();
        writer.append(&line(3)).unwrap();
        assert!(writer.append(&line(4)).is_err());
        assert!(writer.append(&line(5)).is_err(), "no line after a failure");
        let text = String::from_utf8(bytes.lock().unwrap().clone()).unwrap();
        assert!(text.ends_with('\n'), "whole lines only: {text}");
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(!text.contains("bank-user-4") && !text.contains("bank-user-5"));
    }
}
