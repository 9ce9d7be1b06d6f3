//! CSV input (RFC 4180 as spreadsheets write it: a header row, quoted fields that may hold
//! commas, quotes and line breaks, LF, CRLF or CR line ends (Excel for Mac writes CR), a UTF-8
//! byte order mark at the start).
//! The header names the columns: `id` (for operations that take one) and body fields. An empty
//! cell is a field not sent; every other cell is sent as a JSON string (an integer field as an
//! integer), for the library's rules to judge.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::Arc;

use csv::{ByteRecord, Reader, ReaderBuilder};

use super::csv_lines::{line_ends_in, LineEnds};
use super::csv_quotes::{QuoteCheck, QuoteError, QuoteProblem};
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
    /// The line ends handed to the CSV reader, shared with [`Bounded`].
    line_ends: Rc<RefCell<LineEnds>>,
    /// The file's end was reached: the record read last was ended by it, not by a line end.
    at_end: Rc<Cell<bool>>,
    /// The quotes the CSV reader was lenient about, shared with [`Bounded`].
    quotes: Rc<RefCell<QuoteCheck>>,
    ended: bool,
}

impl CsvRows {
    pub fn new(file: File, shape: Arc<Shape>) -> Result<CsvRows, Fatal> {
        let record_start = Rc::new(Cell::new(0));
        let line_ends = Rc::new(RefCell::new(LineEnds::default()));
        let at_end = Rc::new(Cell::new(false));
        let quotes = Rc::new(RefCell::new(QuoteCheck::default()));
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(64 * 1024)
            .from_reader(Bounded {
                inner: file,
                consumed: 0,
                record_start: record_start.clone(),
                line_ends: line_ends.clone(),
                at_end: at_end.clone(),
                quotes: quotes.clone(),
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
        if let Some(e) = quotes.borrow_mut().take_before(reader.position().byte()) {
            return Err(Fatal {
                line: e.line,
                message: format!("the header row: {}", e.message(1, None)),
            });
        }
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
        if let Some((field, _)) = shape.flag_pairs.iter().find(|(f, _)| columns.contains(f)) {
            return Err(fatal(format!(
                "{} (remove the column or the flag)",
                body::set_twice(field, &format!("the column `{field}`"))
            )));
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
            line_ends,
            at_end,
            quotes,
            ended: false,
        })
    }

    /// The line where the record just read starts, as an editor numbers it. The CSV reader's
    /// own record position is where it began looking (before blank lines, or on the line of the
    /// previous row's CRLF), and it counts line feeds only, so the line is worked out from the
    /// record's end instead: the line of the line end that ended it (the reader consumed it,
    /// or after a CR, the CR), less the line ends inside its quoted fields. A record ended by
    /// the file's end has no line end of its own: a last line end belongs to a quoted field
    /// left open, and is counted as inside it.
    fn start_line(&self, next: &csv::Position) -> u64 {
        let end = if self.at_end.get() {
            next.byte()
        } else {
            next.byte().saturating_sub(1)
        };
        let end_line = self.line_ends.borrow_mut().line_of(end);
        let inside: u64 = self.record.iter().map(line_ends_in).sum();
        end_line.saturating_sub(inside).max(1)
    }

    /// The current record, which starts at `line`, as an item: refused when the CSV reader was
    /// lenient about one of its quotes (`quote`).
    fn item(&self, line: u64, quote: Option<QuoteError>) -> Result<Item, Fatal> {
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
        // A record whose quoted field runs over several lines and that is malformed was most
        // likely begun by a quote left open, which swallowed the rows after it: skipping it as
        // one bad row would lose them, so the file is refused.
        let spans = self.record.iter().any(|field| line_ends_in(field) > 0);
        let swallowed = |message: String| {
            Err(Fatal {
                line,
                message: format!(
                    "{message}; a quoted field runs over several lines from here: a quote left \
                     open?"
                ),
            })
        };
        if let Some(quote) = quote {
            let message = quote.message(line, self.columns.get(quote.field).map(String::as_str));
            if quote.problem == QuoteProblem::NotClosed {
                // The rest of the file was read as one field: no row after it can be trusted.
                return Err(Fatal {
                    line: quote.line,
                    message,
                });
            }
            return if spans {
                swallowed(message)
            } else {
                bad(raw_id, message)
            };
        }
        if self.record.len() != self.columns.len() {
            let message = format!(
                "the row has {} field(s) and the header {}; check its commas and quotes",
                self.record.len(),
                self.columns.len()
            );
            return if spans {
                swallowed(message)
            } else {
                bad(raw_id, message)
            };
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
                self.line_ends.borrow_mut().forget_before(next.byte());
                let quote = self.quotes.borrow_mut().take_before(next.byte());
                Some(self.item(line, quote))
            }
            Err(e) => Some(Err(Fatal {
                // The row starts after the line end that ended the previous one (whose line
                // feed, after a CR, the reader had not consumed yet).
                line: self.line_ends.borrow_mut().line_of(before.byte()),
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
    line_ends: Rc<RefCell<LineEnds>>,
    /// Set when the file returns its end. The CSV reader reads on only when it needs more input
    /// to finish a record, so a record returned after this was ended by the file's end.
    at_end: Rc<Cell<bool>>,
    quotes: Rc<RefCell<QuoteCheck>>,
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // The reader's own buffer (64 KiB) may run ahead of the record by that much.
        let limit = (MAX_ROW_BYTES + 2 * 64 * 1024) as u64;
        let start = (self.line_ends.borrow_mut())
            .text_from(self.record_start.get())
            .unwrap_or(self.consumed);
        if self.consumed.saturating_sub(start) > limit {
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
        if n > 0 || !buf.is_empty() {
            self.line_ends.borrow_mut().read(self.consumed, &buf[..n]);
            self.quotes.borrow_mut().read(self.consumed, &buf[..n]);
        }
        self.consumed += n as u64;
        Ok(n)
    }
}
