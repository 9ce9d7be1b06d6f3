//! Where the lines of a CSV file end and begin, as the bytes are handed to the CSV reader: the
//! reader counts line feeds only and cannot say where a record really starts, and rows are
//! known by the line an editor shows them on (LF, CRLF or a lone CR ends a line).

use std::collections::VecDeque;

/// Line ends in a field's text: line feeds, and carriage returns not followed by one.
pub fn line_ends_in(field: &[u8]) -> u64 {
    let mut count = 0;
    for (i, &byte) in field.iter().enumerate() {
        let lone_cr = byte == b'\r' && field.get(i + 1) != Some(&b'\n');
        count += u64::from(byte == b'\n' || lone_cr);
    }
    count
}

/// The offsets of the line ends read so far and not yet behind the current record (a line
/// feed, or a carriage return not followed by one: CRLF is one line end, at its LF), and how
/// many came before those; and where the lines that hold more than a line end begin, to tell
/// a record from the blank lines before it.
#[derive(Default)]
pub struct LineEnds {
    offsets: VecDeque<u64>,
    forgotten: u64,
    /// A carriage return at the end of what was read: a line end unless a line feed follows.
    pending_cr: Option<u64>,
    /// Offsets of the first byte of each line that is not blank.
    text_starts: VecDeque<u64>,
    /// The last byte read was a CR or an LF (the file's first byte is a line start by its
    /// offset, 0).
    after_line_end: bool,
}

impl LineEnds {
    /// Takes note of `bytes`, read at `offset`; empty at the file's end.
    pub fn read(&mut self, offset: u64, bytes: &[u8]) {
        if bytes.is_empty() {
            self.offsets.extend(self.pending_cr.take());
        }
        for (i, &byte) in bytes.iter().enumerate() {
            let at = offset + i as u64;
            if let Some(cr) = self.pending_cr.take() {
                if byte != b'\n' {
                    self.offsets.push_back(cr);
                }
            }
            match byte {
                b'\n' => self.offsets.push_back(at),
                b'\r' => self.pending_cr = Some(at),
                _ if self.after_line_end || at == 0 => self.text_starts.push_back(at),
                _ => {}
            }
            self.after_line_end = matches!(byte, b'\r' | b'\n');
        }
    }

    /// Where the record that starts looking at `offset` really starts: the first line from
    /// there that is not blank (the CSV reader skips blank lines and holds none of them);
    /// `None` when only blank lines were read since.
    pub fn text_from(&mut self, offset: u64) -> Option<u64> {
        while self.text_starts.front().is_some_and(|&o| o < offset) {
            self.text_starts.pop_front();
        }
        self.text_starts.front().copied()
    }

    /// The line (1-based) that holds the byte at `offset`: one more than the line ends before it.
    pub fn line_of(&mut self, offset: u64) -> u64 {
        let before = self.offsets.iter().take_while(|&&o| o < offset).count();
        1 + self.forgotten + before as u64
    }

    /// Drops the offsets before `offset` (the records before it are done), keeping their count.
    pub fn forget_before(&mut self, offset: u64) {
        while self.offsets.front().is_some_and(|&o| o < offset) {
            self.offsets.pop_front();
            self.forgotten += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_are_lf_crlf_and_lone_cr_even_split_between_reads() {
        let mut ends = LineEnds::default();
        // "a\r" | "\nb\r" | "c\n" | end: CRLF split between reads, a lone CR at a read's end.
        ends.read(0, b"a\r");
        ends.read(2, b"\nb\r");
        ends.read(5, b"c\n");
        ends.read(7, b"");
        assert_eq!(ends.offsets, [2, 4, 6]);
        assert_eq!(
            (0..8).map(|o| ends.line_of(o)).collect::<Vec<_>>(),
            [1, 1, 1, 2, 2, 3, 3, 4]
        );
        ends.forget_before(5);
        assert_eq!((ends.line_of(5), ends.line_of(7)), (3, 4));
        let mut ends = LineEnds::default();
        ends.read(0, b"x\r");
        ends.read(2, b"");
        assert_eq!(ends.line_of(2), 2, "a CR at the file's end is a line end");
        assert_eq!(line_ends_in(b"a\r\nb\rc\nd\r"), 4);
    }

    #[test]
    fn a_record_starts_at_the_first_line_that_is_not_blank() {
        let mut ends = LineEnds::default();
        ends.read(0, b"id\n\r\n\n");
        ends.read(6, b"\rx,\"\n\ny");
        assert_eq!(ends.text_from(3), Some(7), "blank lines skipped");
        assert_eq!(ends.text_from(7), Some(7));
        assert_eq!(
            ends.text_from(8),
            Some(12),
            "a line inside a quoted field counts too"
        );
        assert_eq!(
            ends.text_from(13),
            None,
            "nothing but blank lines read since"
        );
        assert_eq!(LineEnds::default().text_from(0), None);
    }
}
