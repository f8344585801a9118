//! One log line as the cockpit keeps it, and the single place raw bytes from
//! a log stream become one: the kubelet's timestamp prefix is parsed off and
//! the rest is sanitized.

use chrono::{DateTime, Utc};

use std::num::NonZeroU32;

use crate::model::sanitize::clean_log_line;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Text the container wrote.
    Normal,
    /// Written by kockpit about the stream: `+ pod/container` when attached,
    /// `- pod/container ...` when it ends, `! pod/container ...` on trouble.
    Marker,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// When the container wrote it, per the kubelet; `None` for markers and
    /// for the (never expected) line that arrives without a prefix.
    pub at: Option<DateTime<Utc>>,
    /// Index into the buffer's [`Sources`](super::sources::Sources).
    pub source: u16,
    /// Sanitized: no escape sequences or control characters.
    pub text: String,
    pub kind: LineKind,
    /// The original length in bytes when the text was cut at the cap (a
    /// saved file says so); 4 bytes that fit in the struct's padding.
    pub cut_from: Option<NonZeroU32>,
}

impl LogLine {
    pub fn marker(source: u16, text: String) -> Self {
        LogLine {
            at: None,
            source,
            text,
            kind: LineKind::Marker,
            cut_from: None,
        }
    }
}

/// The longest RFC3339Nano prefix the kubelet writes is 35 bytes
/// (`2006-01-02T15:04:05.999999999+07:00`); looking further would only
/// mistake a line's own text for a timestamp.
const MAX_STAMP_LEN: usize = 40;

/// Splits `2024-05-01T10:00:00.123456789Z text` into the time and the text.
/// A line without a parseable prefix is kept whole rather than lost.
pub fn split_timestamp(raw: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    let head = &raw[..raw.len().min(MAX_STAMP_LEN)];
    let Some(space) = head.iter().position(|b| *b == b' ') else {
        // An empty line is sent as the bare stamp.
        return match parse_stamp(head) {
            Some(t) if head.len() == raw.len() => (Some(t), &[]),
            _ => (None, raw),
        };
    };
    match parse_stamp(&raw[..space]) {
        Some(t) => (Some(t), &raw[space + 1..]),
        None => (None, raw),
    }
}

fn parse_stamp(token: &[u8]) -> Option<DateTime<Utc>> {
    // Cheap rejection before the real parser: every stamp starts `dddd-`.
    if token.len() < 20 || token[4] != b'-' || !token[0].is_ascii_digit() {
        return None;
    }
    let text = std::str::from_utf8(token).ok()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Raw bytes of one line (without its newline) from a stream that was asked
/// for timestamps, to a line ready for the buffer. This is where log bytes
/// enter the cockpit, so this is where they are sanitized, once.
pub fn parse_raw(raw: &[u8], source: u16) -> LogLine {
    let (at, rest) = split_timestamp(raw);
    let (text, cut) = clean_log_line(rest);
    LogLine {
        at,
        source,
        text,
        kind: LineKind::Normal,
        cut_from: cut
            .then(|| NonZeroU32::new(u32::try_from(rest.len()).unwrap_or(u32::MAX)))
            .flatten(),
    }
}

/// How the view and saved files print a line's time.
pub fn format_time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn parses_and_strips_the_kubelet_prefix() {
        let (at, rest) = split_timestamp(b"2024-05-01T10:00:00.123456789Z hello world");
        let want = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
            + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(at, Some(want));
        assert_eq!(rest, b"hello world");
    }

    #[test]
    fn offsets_and_whole_seconds_parse() {
        let (at, rest) = split_timestamp(b"2024-05-01T12:00:00+02:00 x");
        assert_eq!(
            at,
            Some(Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap())
        );
        assert_eq!(rest, b"x");
    }

    #[test]
    fn empty_line_is_the_bare_stamp() {
        let (at, rest) = split_timestamp(b"2024-05-01T10:00:00Z");
        assert!(at.is_some());
        assert!(rest.is_empty());
        let (at, rest) = split_timestamp(b"2024-05-01T10:00:00Z ");
        assert!(at.is_some());
        assert!(rest.is_empty());
    }

    #[test]
    fn lines_without_a_stamp_are_kept_whole() {
        for raw in [
            &b"plain text"[..],
            b"",
            b"2024-13-01T10:00:00Z bad month",
            b"1234-not a time",
            b"\xff\xfe binary",
        ] {
            let (at, rest) = split_timestamp(raw);
            assert_eq!(at, None, "{raw:?}");
            assert_eq!(rest, raw);
        }
    }

    #[test]
    fn parse_raw_sanitizes_the_text_not_the_time() {
        let line = parse_raw(b"2024-05-01T10:00:00Z \x1b[31mred\x1b[0m\r", 3);
        assert_eq!(line.text, "red");
        assert_eq!(line.source, 3);
        assert!(line.at.is_some());
        assert_eq!(line.kind, LineKind::Normal);
    }

    #[test]
    fn time_prints_with_milliseconds() {
        let t =
            Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap() + chrono::Duration::milliseconds(7);
        assert_eq!(format_time(&t), "2024-05-01T10:00:00.007Z");
    }
}
