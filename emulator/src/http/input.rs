//! A connection's buffered input: like `std::io::BufReader`, but it can grow to hold a whole
//! request head, which `httparse` needs in one slice.

use std::io::{self, BufRead, Read};

/// Total size of the request head (request line and headers) accepted, in bytes.
pub const MAX_HEAD: usize = 64 * 1024;

/// Initial size of a connection's input buffer; it grows up to [`MAX_HEAD`] for large heads.
const INITIAL_BUFFER: usize = 16 * 1024;

/// A connection's buffered input. Unlike `std::io::BufReader` it can grow to hold a whole
/// request head, which `httparse` needs in one slice.
pub struct Input<S> {
    stream: S,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<S: Read> Input<S> {
    pub fn new(stream: S) -> Self {
        Input {
            stream,
            buf: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
        }
    }

    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Bytes received and not consumed yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Reads more bytes after those buffered (compacting or growing the buffer as needed, never
    /// beyond [`MAX_HEAD`] in all). `Ok(0)` at EOF, or when [`MAX_HEAD`] bytes are already
    /// buffered.
    pub(super) fn fill_more(&mut self) -> io::Result<usize> {
        if self.start == self.end {
            // Nothing pending: read from the start, so that a whole request fits in one read.
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() < MAX_HEAD {
                self.buf.resize((self.buf.len() * 2).min(MAX_HEAD), 0);
            } else {
                return Ok(0);
            }
        }
        let n = self.stream.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n)
    }
}

impl<S: Read> Read for Input<S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end && out.len() >= self.buf.len() {
            return self.stream.read(out);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<S: Read> BufRead for Input<S> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.start = 0;
            self.end = self.stream.read(&mut self.buf)?;
        }
        Ok(&self.buf[self.start..self.end])
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
    }
}
