//! The first pass over the input: every row checked, nothing sent. A row's id and body go
//! through the library's own checks (`Client::check`, exactly what `Client::call` checks before
//! sending); rows already in a resumed report are matched against it instead.

use std::sync::Arc;

use mx_sso::Client;

use super::input::{Fatal, Input, Item, Rows, Shape};
use super::report::{fingerprint, DoneRows};
use crate::exit::UsageError;

/// How many bad rows are printed (all are counted).
const SHOWN: usize = 20;

/// What the first pass found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Rows in the file (bad ones included).
    pub rows: u64,
    /// Good rows not yet done: what the second pass sends.
    pub to_send: u64,
    /// Rows already in the report.
    pub done: u64,
    /// Bad rows not yet done.
    pub bad: u64,
    /// The first [`SHOWN`] bad rows: line and message.
    pub shown: Vec<(u64, String)>,
}

impl Findings {
    /// Prints the bad rows found on standard error, by line.
    pub fn print_bad(&self, input: &Input) {
        for (line, message) in &self.shown {
            eprintln!("{}:{line}: {message}", input.path.display());
        }
        if self.bad > self.shown.len() as u64 {
            eprintln!(
                "{}: ... and {} more bad row(s)",
                input.path.display(),
                self.bad - self.shown.len() as u64
            );
        }
    }
}

/// Why the first pass stopped short.
pub enum Refusal {
    /// The file cannot be read on from a line.
    Fatal(Fatal),
    /// The report does not belong to this input.
    Mismatch(UsageError),
}

/// A row's line must come after the previous row's: the report and `--resume` know rows by
/// line, so two rows on one line could never be told apart (a file whose line ends were not
/// understood).
fn in_file_order(previous: u64, line: u64) -> Result<(), Fatal> {
    if line > previous {
        return Ok(());
    }
    Err(Fatal {
        line,
        message: format!(
            "a row starts on line {line}, but the row before it started on line {previous}: the \
             file's line ends are not understood, and rows are known by their line; save it \
             with LF or CRLF line ends"
        ),
    })
}

/// Checks every row of `input`.
pub fn check_all(
    input: &Input,
    shape: &Arc<Shape>,
    client: &Client,
    done: &DoneRows,
) -> Result<Findings, Refusal> {
    let mut findings = Findings::default();
    let rows = input.rows(shape.clone()).map_err(Refusal::Fatal)?;
    let mut previous_line = 0;
    for item in rows {
        let item = item.map_err(Refusal::Fatal)?;
        let line = item.line();
        in_file_order(previous_line, line).map_err(Refusal::Fatal)?;
        previous_line = line;
        findings.rows += 1;
        if let Some(print) = done.get(line) {
            if print != fingerprint(item.label()) {
                return Err(Refusal::Mismatch(UsageError(format!(
                    "the report has line {line} of the input with another id than {} holds there \
                     now ({}): it is the report of another file, or the file changed; use a new \
                     report",
                    input.path.display(),
                    item.label()
                        .map_or("no id".to_string(), |l| format!("{l:?}"))
                ))));
            }
            findings.done += 1;
            continue;
        }
        let problem = match item {
            Item::Row(row) => client
                .check(shape.op, row.id.as_deref(), row.body.as_deref())
                .err()
                .map(|e| shape.row_message(&e)),
            Item::Bad(bad) => Some(bad.message),
        };
        match problem {
            None => findings.to_send += 1,
            Some(message) => {
                findings.bad += 1;
                if findings.shown.len() < SHOWN {
                    findings.shown.push((line, message));
                }
            }
        }
    }
    if findings.done < done.count() {
        return Err(Refusal::Mismatch(UsageError(format!(
            "the report has {} row(s) of which only {} are rows of {}: it is the report of \
             another file, or the file changed; use a new report",
            done.count(),
            findings.done,
            input.path.display()
        ))));
    }
    Ok(findings)
}

/// The rows of the second pass, held to the `checked` rows of the first: a file that now ends
/// earlier, or goes on after them, changed since it was checked (a row it lost would be missing
/// from the report without a word; a row it gained would be sent unchecked).
pub fn as_checked(rows: Rows, checked: u64) -> Rows {
    Box::new(AsChecked {
        rows,
        checked,
        read: 0,
        last_line: 0,
        ended: false,
    })
}

struct AsChecked {
    rows: Rows,
    checked: u64,
    read: u64,
    last_line: u64,
    ended: bool,
}

impl Iterator for AsChecked {
    type Item = Result<Item, Fatal>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        let changed = |line: u64, message: String| Some(Err(Fatal { line, message }));
        let next = match self.rows.next() {
            Some(Ok(item)) if self.read == self.checked => changed(
                item.line(),
                format!(
                    "a row after the {} row(s) the file had when it was checked",
                    self.checked
                ),
            ),
            None if self.read < self.checked => changed(
                self.last_line + 1,
                format!(
                    "the file ends here, after {} of the {} row(s) it had when it was checked",
                    self.read, self.checked
                ),
            ),
            Some(Ok(item)) => {
                self.read += 1;
                self.last_line = item.line();
                return Some(Ok(item));
            }
            other => other,
        };
        self.ended = true;
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_must_come_in_strictly_increasing_lines() {
        assert!(in_file_order(0, 1).is_ok());
        assert!(in_file_order(2, 5).is_ok());
        let fatal = in_file_order(3, 3).unwrap_err();
        assert_eq!(fatal.line, 3);
        assert!(fatal.message.contains("line ends"), "{}", fatal.message);
        assert!(in_file_order(4, 2).is_err());
    }

    fn rows(lines: &[u64]) -> Rows {
        let items: Vec<Result<Item, Fatal>> = lines
            .iter()
            .map(|&line| {
                Ok(Item::Row(super::super::input::Row {
                    line,
                    id: Some(format!("u{line}")),
                    body: None,
                    label: None,
                }))
            })
            .collect();
        Box::new(items.into_iter())
    }

    fn lines(rows: Rows) -> Vec<Result<u64, u64>> {
        rows.map(|item| item.map(|i| i.line()).map_err(|f| f.line))
            .collect()
    }

    #[test]
    fn the_second_pass_reads_the_rows_checked_and_no_others() {
        assert_eq!(
            lines(as_checked(rows(&[2, 3, 5]), 3)),
            [Ok(2), Ok(3), Ok(5)]
        );
        assert_eq!(
            lines(as_checked(rows(&[2, 3]), 3)),
            [Ok(2), Ok(3), Err(4)],
            "ends early"
        );
        assert_eq!(
            lines(as_checked(rows(&[2, 3, 5, 6]), 3)),
            [Ok(2), Ok(3), Ok(5), Err(6)],
            "goes on"
        );
        assert_eq!(lines(as_checked(rows(&[]), 1)), [Err(1)]);
    }
}
