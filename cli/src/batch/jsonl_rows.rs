//! JSON Lines input: one `{"id": "...", "body": {...}}` per line (`id` for operations that take
//! one, `body` for those that take a body; no other key). Blank lines are skipped; LF or CRLF
//! line ends; a UTF-8 byte order mark at the very start is skipped. Each line is read with a cap
//! of [`MAX_ROW_BYTES`]: a longer line is a bad row, skipped without being held in memory.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::input::{bom_message, utf8, BadRow, Fatal, Item, Row, Shape, BOM, MAX_ROW_BYTES};
use crate::body;

pub struct JsonlRows {
    reader: BufReader<File>,
    buffer: Vec<u8>,
    /// The line number of the next line to read.
    line: u64,
    shape: Arc<Shape>,
    ended: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRow {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    body: Option<Box<RawValue>>,
}

/// One physical line: its bytes, or its length when over the cap.
enum Line {
    Text,
    TooLong(u64),
}

impl JsonlRows {
    pub fn new(file: File, shape: Arc<Shape>) -> JsonlRows {
        JsonlRows {
            reader: BufReader::with_capacity(64 * 1024, file),
            buffer: Vec::new(),
            line: 1,
            shape,
            ended: false,
        }
    }

    /// Reads the next line into `self.buffer` (without its line end); `None` at the end.
    fn read_line(&mut self) -> std::io::Result<Option<Line>> {
        self.buffer.clear();
        let mut length = 0u64;
        let mut any = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(any.then(|| self.finish(length)));
            }
            any = true;
            let (take, end) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            if self.buffer.len() + take <= MAX_ROW_BYTES {
                self.buffer.extend_from_slice(&chunk[..take]);
            }
            length += take as u64;
            self.reader.consume(take + usize::from(end));
            if end {
                return Ok(Some(self.finish(length)));
            }
        }
    }

    fn finish(&mut self, length: u64) -> Line {
        if length > MAX_ROW_BYTES as u64 {
            self.buffer.clear();
            return Line::TooLong(length);
        }
        if self.buffer.last() == Some(&b'\r') {
            self.buffer.pop();
        }
        Line::Text
    }

    fn item(&self, line: u64, text: &str) -> Item {
        let bad = |label: Option<String>, message: String| {
            Item::Bad(BadRow {
                line,
                label,
                message,
            })
        };
        let row: JsonRow = match serde_json::from_str(text) {
            Ok(row) => row,
            Err(e) => {
                return bad(
                    None,
                    format!("not a row of the form {{\"id\": \"...\", \"body\": {{...}}}}: {e}"),
                )
            }
        };
        let id = match row.id {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(id),
            Some(other) => {
                return bad(
                    None,
                    format!("`id` must be a JSON string, such as \"bank-user-1\"; found {other}"),
                )
            }
        };
        let op = self.shape.op.name();
        if id.is_some() && !self.shape.takes_id() {
            return bad(
                None,
                format!("{op} takes no `id` (the body names the resource): remove it"),
            );
        }
        if row.body.is_some() && !self.shape.takes_body() {
            return bad(id, format!("{op} takes no `body`: remove it"));
        }
        let pairs = &self.shape.flag_pairs;
        if let Some(field) = row
            .body
            .as_ref()
            .and_then(|b| body::flag_also_in(b.get(), pairs))
        {
            return bad(id, body::set_twice(field, "the row's body"));
        }
        let body = match row.body {
            Some(raw) => Some(body::splice(raw.get(), pairs)),
            None if !pairs.is_empty() => Some(body::object(pairs)),
            None => None,
        };
        let label = self.shape.label(id.as_deref(), body.as_deref());
        Item::Row(Row {
            line,
            id,
            body,
            label,
        })
    }
}

impl Iterator for JsonlRows {
    type Item = Result<Item, Fatal>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.ended {
            let line = self.line;
            let read = match self.read_line() {
                Ok(Some(read)) => read,
                Ok(None) => break,
                Err(e) => {
                    self.ended = true;
                    return Some(Err(Fatal {
                        line,
                        message: format!("cannot read the file: {e}"),
                    }));
                }
            };
            self.line += 1;
            let bad = |message: String| {
                Some(Ok(Item::Bad(BadRow {
                    line,
                    label: None,
                    message,
                })))
            };
            if let Line::TooLong(length) = read {
                return bad(format!(
                    "the line is {length} bytes long; at most {} MiB is accepted (a body is at most \
                     64 KiB)",
                    MAX_ROW_BYTES >> 20
                ));
            }
            let owned = match utf8(&self.buffer, "the line") {
                Ok(text) => text,
                Err(message) => return bad(message),
            };
            let text = if line == 1 {
                owned.strip_prefix(BOM).unwrap_or(&owned)
            } else {
                &owned
            };
            if text.starts_with(BOM) {
                return bad(bom_message("the line"));
            }
            if text.trim().is_empty() {
                continue;
            }
            return Some(Ok(self.item(line, text)));
        }
        self.ended = true;
        None
    }
}
