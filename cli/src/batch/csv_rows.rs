//! CSV input (RFC 4180 as spreadsheets write it: a header row, quoted fields that may hold
//! commas, quotes and line breaks, LF or CRLF line ends, a UTF-8 byte order mark at the start).
//! The header names the columns: `id` (for operations that take one) and body fields. An empty
//! cell is a field not sent; every other cell is sent as a JSON string (an integer field as an
//! integer), for the library's rules to judge.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::Arc;

use csv::{ByteRecord, Reader, ReaderBuilder};

use super::input::{bom_message, utf8, BadRow, Fatal, Item, Row, Shape, BOM, MAX_ROW_BYTES};
use crate::body;

pub struct CsvRows {
    reader: Reader<Bounded>,
    record: ByteRecord,
    columns: Vec<String>,
    id_column: Option<usize>,
    shape: Arc<Shape>,
    /// Byte offset where the record being read starts, shared with [`Bounded`].
    record_start: Rc<Cell<u64>>,
    /// Offsets of the line feeds handed to the CSV reader and not yet behind the current record.
    newlines: Rc<RefCell<VecDeque<u64>>>,
    /// The file's end was reached: the record read last was ended by it, not by a line end.
    at_end: Rc<Cell<bool>>,
    ended: bool,
}

impl CsvRows {
    pub fn new(file: File, shape: Arc<Shape>) -> Result<CsvRows, Fatal> {
        let record_start = Rc::new(Cell::new(0));
        let newlines = Rc::new(RefCell::new(VecDeque::new()));
        let at_end = Rc::new(Cell::new(false));
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(64 * 1024)
            .from_reader(Bounded {
                inner: file,
                consumed: 0,
                record_start: record_start.clone(),
                newlines: newlines.clone(),
                at_end: at_end.clone(),
            });
        let mut header = ByteRecord::new();
        let fatal = |message: String| Fatal { line: 1, message };
        match reader.read_byte_record(&mut header) {
            Ok(true) => {}
            Ok(false) => {
                return Err(fatal(
                    "the file is empty; expected a header row such as `id,status`".into(),
                ))
            }
            Err(e) => {
                return Err(fatal(format!(
                    "cannot read the header row: {}",
                    csv_error(&e)
                )))
            }
        }
        record_start.set(reader.position().byte());
        let mut columns = Vec::with_capacity(header.len());
        for (i, name) in header.iter().enumerate() {
            let name = utf8(name, &format!("the header's column {}", i + 1)).map_err(fatal)?;
            // Spreadsheets save "CSV UTF-8" with a byte order mark before the first name.
            let name = if i == 0 {
                name.strip_prefix(BOM).map(str::to_string).unwrap_or(name)
            } else {
                name
            };
            if name.contains(BOM) {
                return Err(fatal(bom_message(&format!(
                    "the header's column {}",
                    i + 1
                ))));
            }
            if name.is_empty() {
                return Err(fatal(format!("the header's column {} has no name", i + 1)));
            }
            if columns.contains(&name) {
                return Err(fatal(format!(
                    "the header names column `{}` twice",
                    name.escape_debug()
                )));
            }
            columns.push(name);
        }
        let id_column = columns.iter().position(|c| c == "id");
        let op = shape.op.name();
        match (shape.takes_id(), id_column) {
            (true, None) => {
                return Err(fatal(format!(
                    "the header has no `id` column; {op} needs one (the user's or member's guid or \
                     external guid), e.g. `id,status`"
                )))
            }
            (false, Some(_)) => {
                return Err(fatal(format!(
                    "the header has an `id` column, but {op} takes no id (the body names the \
                     resource): remove the column"
                )))
            }
            _ => {}
        }
        Ok(CsvRows {
            reader,
            record: ByteRecord::new(),
            columns,
            id_column,
            shape,
            record_start,
            newlines,
            at_end,
            ended: false,
        })
    }

    /// Whether the byte at `offset` is a line feed (dropping the offsets before it).
    fn is_newline(&self, offset: u64) -> bool {
        let mut newlines = self.newlines.borrow_mut();
        while newlines.front().is_some_and(|&o| o < offset) {
            newlines.pop_front();
        }
        newlines.front() == Some(&offset)
    }

    /// The line where the record just read starts, as an editor numbers it. The CSV reader's
    /// own record position is where it began looking (before blank lines, or on the line of the
    /// previous row's CRLF), so the line is worked out from the record's end instead: the line
    /// the reader is on after it, less the line feed that ended it (if it consumed one: after a
    /// CR it has not yet; at the file's end a last line feed belongs to a quoted field left open),
    /// less the line feeds inside quoted fields.
    fn start_line(&self, next: &csv::Position) -> u64 {
        let ended_by_lf = !self.at_end.get() && next.byte() > 0 && self.is_newline(next.byte() - 1);
        let end_line = next.line() - u64::from(ended_by_lf);
        let inside: usize = self
            .record
            .iter()
            .map(|field| field.iter().filter(|&&b| b == b'\n').count())
            .sum();
        end_line.saturating_sub(inside as u64).max(1)
    }

    /// The current record, which starts at `line`, as an item.
    fn item(&self, line: u64) -> Result<Item, Fatal> {
        let bad = |label: Option<String>, message: String| {
            Ok(Item::Bad(BadRow {
                line,
                label,
                message,
            }))
        };
        let raw_id = self
            .id_column
            .and_then(|i| self.record.get(i))
            .and_then(|id| std::str::from_utf8(id).ok())
            .filter(|id| !id.is_empty())
            .map(str::to_string);
        if self.record.len() != self.columns.len() {
            let message = format!(
                "the row has {} field(s) and the header {}; check its commas and quotes",
                self.record.len(),
                self.columns.len()
            );
            let spans = self.record.iter().any(|field| field.contains(&b'\n'));
            if spans {
                // A quoted field ran over several lines and the fields do not line up: most
                // likely a quote left open, which swallowed the rows after it.
                return Err(Fatal {
                    line,
                    message: format!(
                        "{message}; a quoted field runs over several lines from here: a quote \
                         left open?"
                    ),
                });
            }
            return bad(raw_id, message);
        }
        let mut id = None;
        let mut pairs = self.shape.flag_pairs.clone();
        for (i, (cell, column)) in self.record.iter().zip(&self.columns).enumerate() {
            let value = match utf8(cell, &format!("column `{column}`")) {
                Ok(value) => value,
                Err(message) => return bad(raw_id, message),
            };
            if value.contains(BOM) {
                return bad(raw_id, bom_message(&format!("column `{column}`")));
            }
            if value.is_empty() {
                continue;
            }
            if Some(i) == self.id_column {
                id = Some(value);
            } else {
                pairs.push((column.clone(), body::value_json(column, &value)));
            }
        }
        let body = (self.shape.takes_body() || !pairs.is_empty()).then(|| body::object(&pairs));
        let label = self.shape.label(id.as_deref(), body.as_deref());
        Ok(Item::Row(Row {
            line,
            id,
            body,
            label,
        }))
    }
}

impl Iterator for CsvRows {
    type Item = Result<Item, Fatal>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ended {
            return None;
        }
        let before = self.reader.position().clone();
        let item = match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let next = self.reader.position().clone();
                let line = self.start_line(&next);
                self.record_start.set(next.byte());
                Some(self.item(line))
            }
            Err(e) => Some(Err(Fatal {
                // The reader stopped before a CRLF's line feed: the row starts on the next line.
                line: before.line() + u64::from(self.is_newline(before.byte())),
                message: csv_error(&e),
            })),
        };
        self.ended = !matches!(item, Some(Ok(_)));
        item
    }
}

fn csv_error(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    }
}

/// The file, refusing to hand the CSV reader more than [`MAX_ROW_BYTES`] past the start of the
/// record being read: a quote left open cannot pull the rest of a large file into memory.
struct Bounded {
    inner: File,
    consumed: u64,
    record_start: Rc<Cell<u64>>,
    newlines: Rc<RefCell<VecDeque<u64>>>,
    /// Set when the file returns its end. The CSV reader reads on only when it needs more input
    /// to finish a record, so a record returned after this was ended by the file's end.
    at_end: Rc<Cell<bool>>,
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // The reader's own buffer (64 KiB) may run ahead of the record by that much.
        let limit = (MAX_ROW_BYTES + 2 * 64 * 1024) as u64;
        if self.consumed.saturating_sub(self.record_start.get()) > limit {
            return Err(io::Error::other(format!(
                "the row starting here is longer than {} MiB; no row can be that long (a body is \
                 at most 64 KiB): a quote left open?",
                MAX_ROW_BYTES >> 20
            )));
        }
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.at_end.set(true);
        }
        let mut newlines = self.newlines.borrow_mut();
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, &b)| b == b'\n') {
            newlines.push_back(self.consumed + i as u64);
        }
        self.consumed += n as u64;
        Ok(n)
    }
}
