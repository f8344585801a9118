//! Cutting a byte stream into lines with bounded memory: a container that
//! writes a gigabyte without a newline costs us one capped line, not a
//! gigabyte.

use std::num::NonZeroU32;

use crate::model::sanitize::MAX_LINE_CHARS;

use super::line::{parse_raw, LogLine};

/// Bytes kept of one line: enough for the timestamp and more characters
/// than the sanitizer keeps, even when every character takes four bytes.
pub const MAX_RAW_LINE: usize = MAX_LINE_CHARS * 4 + 64;

const CUT: &str = " …[cut]";

#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// The current line has outgrown `MAX_RAW_LINE`; the rest is skipped.
    cut: bool,
    /// Bytes the current line had in all, kept or skipped.
    total: usize,
}

impl LineSplitter {
    /// Feeds a chunk; calls `emit` with each complete line (without its
    /// newline) and, when it was cut, how many bytes it had in all.
    pub fn feed(&mut self, mut bytes: &[u8], mut emit: impl FnMut(&[u8], Option<usize>)) {
        while let Some(nl) = bytes.iter().position(|b| *b == b'\n') {
            let (line, rest) = (&bytes[..nl], &bytes[nl + 1..]);
            if self.partial.is_empty() && !self.cut {
                // The common case: a whole line inside one chunk, no copy.
                let keep = line.len().min(MAX_RAW_LINE);
                emit(&line[..keep], (keep < line.len()).then_some(line.len()));
            } else {
                self.append(line);
                emit(&self.partial, self.cut.then_some(self.total));
                self.partial.clear();
                self.cut = false;
                self.total = 0;
            }
            bytes = rest;
        }
        self.append(bytes);
    }

    /// The last line of a stream that ended without a newline.
    pub fn finish(&mut self, mut emit: impl FnMut(&[u8], Option<usize>)) {
        if !self.partial.is_empty() || self.cut {
            emit(&self.partial, self.cut.then_some(self.total));
        }
        self.partial.clear();
        self.cut = false;
        self.total = 0;
    }

    fn append(&mut self, bytes: &[u8]) {
        self.total += bytes.len();
        let room = MAX_RAW_LINE.saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.cut = true;
        }
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

/// A raw line to a log line, saying so when it was cut short (the
/// sanitizer marks lines it cuts itself; this covers bytes never kept).
/// `cut` is the line's whole length in bytes when it was cut here.
pub fn to_line(raw: &[u8], cut: Option<usize>, source: u16) -> LogLine {
    let mut line = parse_raw(raw, source);
    if let Some(total) = cut {
        if !line.text.ends_with("[cut]") {
            line.text.push_str(CUT);
        }
        line.cut_from = NonZeroU32::new(u32::try_from(total).unwrap_or(u32::MAX));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<(Vec<u8>, Option<usize>)> {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        for c in chunks {
            s.feed(c, |l, cut| out.push((l.to_vec(), cut)));
        }
        s.finish(|l, cut| out.push((l.to_vec(), cut)));
        out
    }

    #[test]
    fn lines_across_chunk_boundaries() {
        let out = split(&[b"a\nb", b"c\n\nd", b"e"]);
        let lines: Vec<&[u8]> = out.iter().map(|(l, _)| l.as_slice()).collect();
        assert_eq!(lines, [&b"a"[..], b"bc", b"", b"de"]);
        assert!(out.iter().all(|(_, cut)| cut.is_none()));
    }

    #[test]
    fn a_huge_line_is_capped_and_marked() {
        let big = vec![b'x'; 3 * MAX_RAW_LINE];
        let mut chunks: Vec<&[u8]> = big.chunks(10_000).collect();
        chunks.push(b"\nnext\n");
        let out = split(&chunks);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0.len(), MAX_RAW_LINE);
        assert_eq!(out[0].1, Some(3 * MAX_RAW_LINE));
        assert_eq!(out[1], (b"next".to_vec(), None));
        let line = to_line(&out[0].0, out[0].1, 0);
        assert!(line.text.ends_with("[cut]"));
        assert_eq!(
            line.cut_from.map(|n| n.get() as usize),
            Some(3 * MAX_RAW_LINE)
        );
        assert!(line.text.chars().count() < MAX_LINE_CHARS + 10);
    }

    #[test]
    fn a_huge_line_in_one_chunk_is_capped_too() {
        let mut chunk = vec![b'y'; 2 * MAX_RAW_LINE];
        chunk.push(b'\n');
        let out = split(&[&chunk]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0.len(), MAX_RAW_LINE);
        assert_eq!(out[0].1, Some(2 * MAX_RAW_LINE));
    }

    #[test]
    fn text_hidden_in_escapes_still_says_it_was_cut() {
        let mut raw = b"2024-05-01T10:00:00Z ok".to_vec();
        raw.extend(std::iter::repeat_n(b"\x1b[0m".as_slice(), 100).flatten());
        let line = to_line(&raw, Some(raw.len()), 0);
        assert_eq!(line.text, "ok …[cut]");
        assert_eq!(line.cut_from.map(|n| n.get() as usize), Some(raw.len()));
    }
}
