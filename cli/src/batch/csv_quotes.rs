//! A strict RFC 4180 check of the quotes in a CSV file's bytes. The CSV reader is lenient: it
//! takes a quote inside an unquoted field as text (`bank"-user-2`), joins text after a closing
//! quote to the field (`"bank-user-2"x` reads as `bank-user-2x`), and ends a quote left open
//! at the file's end. Each of those is most likely a mistake in the file, and a row read
//! differently from what its author meant must not be sent: this check follows the reader's
//! own states byte by byte (so it ends records where the reader does) and notes each quote
//! the reader was lenient about, with its offset and line.

use super::input::BOM;

/// What is wrong with a quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuoteProblem {
    /// `bank"-user-2`: a quote in a field that does not start with one.
    InsideUnquoted,
    /// `"bank-user-2"x`: text after the quote that closes a field.
    AfterClosing,
    /// A quote opened and not closed before the file's end.
    NotClosed,
}

/// A quote the reader was lenient about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteError {
    /// Offset of the offending byte (for [`QuoteProblem::NotClosed`], of the opening quote).
    pub offset: u64,
    /// Its line, as an editor numbers it (LF, CRLF or a lone CR ends a line).
    pub line: u64,
    /// The field's index in its record (0-based).
    pub field: usize,
    pub problem: QuoteProblem,
}

impl QuoteError {
    /// The message for a row that starts on `row_line`; `column` names the field.
    pub fn message(&self, row_line: u64, column: Option<&str>) -> String {
        let column = column.map_or_else(
            || format!("field {}", self.field + 1),
            |c| format!("column `{}`", c.escape_debug()),
        );
        let on_line = if self.line == row_line {
            String::new()
        } else {
            format!(" on line {}", self.line)
        };
        match self.problem {
            QuoteProblem::InsideUnquoted => format!(
                "{column}: a quote inside an unquoted field{on_line}; quote the whole field and \
                 double the quotes inside it (\"bank\"\"-user-2\")"
            ),
            QuoteProblem::AfterClosing => format!(
                "{column}: text after the quote that closes the field{on_line}; quote the whole \
                 field and double the quotes inside it (\"bank-user-2\"\"x\")"
            ),
            QuoteProblem::NotClosed => format!(
                "{column}: a quote opened on line {} is not closed: the rest of the file is read \
                 as that one field; close it, or double a quote meant as text (\"\")",
                self.line
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    StartField,
    Unquoted,
    /// In a quoted field opened at `offset` on `line`.
    Quoted {
        offset: u64,
        line: u64,
    },
    /// After a quote inside a quoted field: its end, or the first of a doubled quote (the
    /// field's opening is kept for a quote left open).
    AfterQuote {
        offset: u64,
        line: u64,
    },
}

/// The check, fed the file's bytes in order as they are read.
#[derive(Debug)]
pub struct QuoteCheck {
    state: State,
    field: usize,
    line: u64,
    last_was_cr: bool,
    /// Every byte so far was part of a byte order mark.
    in_bom: bool,
    /// The record being read has a problem noted already (only its first is reported).
    noted_in_record: bool,
    /// The problems found and not yet taken, in file order: at most one per record, so at most
    /// the records of one read (the reader takes them before the next read).
    found: std::collections::VecDeque<QuoteError>,
}

impl Default for QuoteCheck {
    fn default() -> Self {
        QuoteCheck {
            state: State::StartField,
            field: 0,
            line: 1,
            last_was_cr: false,
            in_bom: true,
            noted_in_record: false,
            found: Default::default(),
        }
    }
}

impl QuoteCheck {
    /// Takes note of `bytes`, read at `offset`; empty at the file's end.
    pub fn read(&mut self, offset: u64, bytes: &[u8]) {
        if bytes.is_empty() {
            if let State::Quoted { offset, line } = self.state {
                self.note(offset, line, QuoteProblem::NotClosed);
                self.state = State::StartField;
            }
            return;
        }
        let mut bom = [0; 4];
        let bom = BOM.encode_utf8(&mut bom).as_bytes();
        for (i, &byte) in bytes.iter().enumerate() {
            let at = offset + i as u64;
            // A byte order mark before the header is skipped, as the header's reading does.
            if self.in_bom {
                self.in_bom = bom.get(at as usize) == Some(&byte);
                if self.in_bom {
                    continue;
                }
            }
            let line = self.line;
            let line_end = byte == b'\n' || byte == b'\r';
            if byte == b'\r' || (byte == b'\n' && !self.last_was_cr) {
                self.line += 1;
            }
            self.last_was_cr = byte == b'\r';
            self.state = match (self.state, byte) {
                (State::Quoted { offset, line }, b'"') => State::AfterQuote { offset, line },
                (quoted @ State::Quoted { .. }, _) => quoted,
                (State::StartField, b'"') => State::Quoted { offset: at, line },
                (State::AfterQuote { offset, line }, b'"') => State::Quoted { offset, line },
                (_, b',') => {
                    self.field += 1;
                    State::StartField
                }
                (_, _) if line_end => {
                    self.field = 0;
                    self.noted_in_record = false;
                    State::StartField
                }
                (State::Unquoted, b'"') => {
                    self.note(at, line, QuoteProblem::InsideUnquoted);
                    State::Unquoted
                }
                (State::AfterQuote { .. }, _) => {
                    self.note(at, line, QuoteProblem::AfterClosing);
                    State::Unquoted
                }
                (State::StartField | State::Unquoted, _) => State::Unquoted,
            };
        }
    }

    fn note(&mut self, offset: u64, line: u64, problem: QuoteProblem) {
        // A record's first problem is the one reported; keeping only it bounds the queue by
        // the records of one read, and never drops a bad record.
        if self.noted_in_record {
            if problem != QuoteProblem::NotClosed {
                return;
            }
            // A quote left open refuses the whole file: it replaces the record's lesser
            // problem, which would only make the record a bad row.
            self.found.pop_back();
        }
        self.noted_in_record = true;
        self.found.push_back(QuoteError {
            offset,
            line,
            field: self.field,
            problem,
        });
    }

    /// The first problem before `end` (the end of the record just read), dropping every
    /// problem before it.
    pub fn take_before(&mut self, end: u64) -> Option<QuoteError> {
        let mut first = None;
        while self.found.front().is_some_and(|e| e.offset < end) {
            let e = self.found.pop_front();
            first = first.or(e);
        }
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &[u8]) -> Vec<(u64, QuoteProblem)> {
        let mut check = QuoteCheck::default();
        // Split in two reads, to hold the states across a read's end.
        let half = text.len() / 2;
        check.read(0, &text[..half]);
        check.read(half as u64, &text[half..]);
        check.read(text.len() as u64, b"");
        check.found.iter().map(|e| (e.line, e.problem)).collect()
    }

    #[test]
    fn quotes_as_rfc_4180_has_them_pass() {
        for text in [
            &b"id,email\r\n\"bank-user-1\",\"a,b\"\r\n\"x\"\"y\",\"two\nlines\"\n"[..],
            b"id\n\n\rbank-user-1\r\"\"\n",
            b"\xEF\xBB\xBF\"id\"\n\"bank-user-1\"",
            b"id,status\nbank-user-1,\n,\"\"",
        ] {
            assert_eq!(problems(text), [], "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn lenient_quotes_are_found_on_their_line() {
        use QuoteProblem::*;
        assert_eq!(
            problems(b"id\nbank-user-1\n\"bank-user-2\"x\n"),
            [(3, AfterClosing)]
        );
        assert_eq!(problems(b"id\r\nbank\"-user-2\r\n"), [(2, InsideUnquoted)]);
        assert_eq!(
            problems(b"id\nbank-user-1\n\"bank-user-2\nbank-user-3\n"),
            [(3, NotClosed)]
        );
        assert_eq!(problems(b"id\r\"a\r\nb\"c\r"), [(3, AfterClosing)]);
        let mut check = QuoteCheck::default();
        check.read(0, b"id,status\nx,\"y\"z\nw,a\"b\n");
        let first = check.take_before(17).unwrap();
        assert_eq!((first.line, first.field), (2, 1));
        assert_eq!(
            first.message(2, Some("status")),
            "column `status`: text after the quote that closes the field; quote the whole \
             field and double the quotes inside it (\"bank-user-2\"\"x\")"
        );
        assert_eq!(check.take_before(17), None);
        assert_eq!(check.take_before(100).map(|e| e.line), Some(3));
    }

    #[test]
    fn every_bad_record_of_a_read_is_found_once() {
        use QuoteProblem::*;
        let mut text = b"id,name\n".to_vec();
        for n in 0..3000 {
            text.extend_from_slice(format!("u{n},O\"Bri\"en\n").as_bytes());
        }
        let found = problems(&text);
        assert_eq!(found.len(), 3000);
        assert!(found.iter().all(|&(_, p)| p == InsideUnquoted));
        assert_eq!(found[2999].0, 3001);
    }

    #[test]
    fn a_quote_left_open_is_the_problem_taken_whatever_came_before_it() {
        use QuoteProblem::*;
        // A stray quote, then one left open in the same record: the open one refuses the file.
        let text = b"id,name\nu1,a\"b,\"c\nu2,x\n";
        let mut check = QuoteCheck::default();
        check.read(0, text);
        check.read(text.len() as u64, b"");
        let taken = check.take_before(text.len() as u64 + 1).unwrap();
        assert_eq!((taken.problem, taken.line), (NotClosed, 2));
        // A doubled quote inside the open field does not move where it opened.
        assert_eq!(
            problems(b"id\n\"line2\nline3\"\"x\nline4\n"),
            [(2, NotClosed)]
        );
    }
}
