//! A batch's input, streamed row by row (memory stays flat whatever the file's size): what a row
//! is, the two formats behind one iterator, and how a row's request is built. A row's line is
//! the file's own, as an editor shows it (in a CSV the header is line 1).
//!
//! The input is only parsed here, never judged: a row's id and body are checked by the library
//! (`Client::check`, then `Client::call`). What is refused here is what cannot be a row at all:
//! text that is not UTF-8, a line over [`MAX_ROW_BYTES`], a CSV row whose fields do not line up
//! with its header, a JSON line that is not `{"id": ..., "body": {...}}`.

use std::path::{Path, PathBuf};

use mx_sso::operation::Resource;
use mx_sso::Operation;

use super::{csv_rows::CsvRows, jsonl_rows::JsonlRows};
use crate::args::Format;
use crate::exit::UsageError;

/// Longest row accepted, in bytes: a body is at most 64 KiB and an id 1 KiB, so a longer row
/// cannot be sent, and a CSV quote left open would otherwise pull the rest of the file into one
/// row held in memory.
pub const MAX_ROW_BYTES: usize = 1024 * 1024;

/// One row to send: its line, the path id and the body text (as the operation takes them).
#[derive(Debug)]
pub struct Row {
    pub line: u64,
    pub id: Option<String>,
    pub body: Option<String>,
    /// What the report calls the row: the id, or for a create or ensure the body's external guid.
    pub label: Option<String>,
}

/// A row that cannot be sent as written, and why.
#[derive(Debug)]
pub struct BadRow {
    pub line: u64,
    pub label: Option<String>,
    pub message: String,
}

/// One item of the input.
#[derive(Debug)]
pub enum Item {
    Row(Row),
    Bad(BadRow),
}

impl Item {
    pub fn line(&self) -> u64 {
        match self {
            Item::Row(row) => row.line,
            Item::Bad(bad) => bad.line,
        }
    }

    pub fn label(&self) -> Option<&str> {
        match self {
            Item::Row(row) => row.label.as_deref(),
            Item::Bad(bad) => bad.label.as_deref(),
        }
    }
}

/// The file cannot be read on from `line` (an I/O error, a CSV row whose end cannot be found):
/// the whole file is refused, with or without `--skip-invalid`.
#[derive(Debug)]
pub struct Fatal {
    pub line: u64,
    pub message: String,
}

/// The rows of an input file, in file order; after a [`Fatal`] it ends.
pub type Rows = Box<dyn Iterator<Item = Result<Item, Fatal>>>;

/// How each row becomes a request: the operation and the fields set on every row by flags.
#[derive(Debug)]
pub struct Shape {
    pub op: Operation,
    /// Field flags (`--status DISABLED`) as (name, JSON value text), added to every body.
    pub flag_pairs: Vec<(String, String)>,
}

impl Shape {
    pub fn takes_id(&self) -> bool {
        self.op.spec().takes_id
    }

    pub fn takes_body(&self) -> bool {
        self.op.spec().body.is_some()
    }

    /// The library's refusal of a row, worded for the file: the id is the row's `id` (column or
    /// key), not the C argument (`user_guid`) the library's message names.
    pub fn row_message(&self, error: &mx_sso::Error) -> String {
        let message = error.to_string();
        let argument = self.op.spec().resource.id_name();
        match message.strip_prefix(argument) {
            Some(rest) if self.takes_id() && rest.starts_with(' ') => format!("`id`{rest}"),
            _ => message,
        }
    }

    /// The row's label for the report: its id, or a create's or ensure's external guid.
    pub fn label(&self, id: Option<&str>, body: Option<&str>) -> Option<String> {
        if let Some(id) = id {
            return Some(id.to_string());
        }
        let key = match self.op.spec().resource {
            Resource::User => "external_user_guid",
            Resource::Member => "external_member_guid",
        };
        let value: serde_json::Value = serde_json::from_str(body?).ok()?;
        value.get(key)?.as_str().map(str::to_string)
    }
}

/// The input file and how to read it.
#[derive(Debug)]
pub struct Input {
    pub path: PathBuf,
    pub format: Format,
}

impl Input {
    /// The format from `--format`, else from the extension.
    pub fn new(path: &Path, format: Option<Format>) -> Result<Input, UsageError> {
        let format = match format {
            Some(format) => format,
            None => match path
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
            {
                Some(ext) if ext == "csv" => Format::Csv,
                Some(ext) if ext == "jsonl" || ext == "ndjson" => Format::Jsonl,
                _ => {
                    return Err(UsageError(format!(
                        "{}: cannot tell the format from the name; name it .csv or .jsonl, or pass \
                         --format csv|jsonl",
                        path.display()
                    )))
                }
            },
        };
        let meta = std::fs::metadata(path)
            .map_err(|e| UsageError(format!("{}: cannot read it: {e}", path.display())))?;
        if !meta.is_file() {
            // Read twice (check, then send): a pipe could not be read again.
            return Err(UsageError(format!(
                "{}: not a regular file; the input is read twice (every row is checked before the \
                 first is sent), so save it to a file first",
                path.display()
            )));
        }
        Ok(Input {
            path: path.to_path_buf(),
            format,
        })
    }

    /// The rows from the start of the file.
    pub fn rows(&self, shape: std::sync::Arc<Shape>) -> Result<Rows, Fatal> {
        let file = std::fs::File::open(&self.path).map_err(|e| Fatal {
            line: 1,
            message: format!("cannot open {}: {e}", self.path.display()),
        })?;
        Ok(match self.format {
            Format::Csv => Box::new(CsvRows::new(file, shape)?),
            Format::Jsonl => Box::new(JsonlRows::new(file, shape)),
        })
    }
}

/// Text that is not UTF-8, named by the byte where it goes wrong.
pub fn utf8(bytes: &[u8], what: &str) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        format!(
            "{what} is not valid UTF-8 (byte 0x{:02x} after {at} valid bytes); save the file as UTF-8",
            bytes[at]
        )
    })
}

/// A byte order mark inside a row: the sign of two files joined together.
pub const BOM: char = '\u{feff}';

pub fn bom_message(what: &str) -> String {
    format!(
        "{what} holds a byte order mark (U+FEFF), which only belongs at the very start of a file: \
         were two files joined? Remove it"
    )
}
