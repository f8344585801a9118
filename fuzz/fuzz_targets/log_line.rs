//! Log bytes as a container writes them, cut into lines at arbitrary chunk
//! boundaries, parsed, buffered and laid out for the view: nothing panics,
//! every line's text is exactly the sanitized rest after the kubelet stamp,
//! a sanitized line parses back to itself, and the view holds no control
//! character and never exceeds its width.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unicode_width::UnicodeWidthStr;

use kockpit::model::logs::line::{parse_raw, split_timestamp};
use kockpit::model::logs::split::{to_line, LineSplitter};
use kockpit::model::logs::{log_view, LogBuffer, LogFilter, LogViewState};
use kockpit::model::sanitize::clean_log_bytes;

fuzz_target!(|data: &[u8]| {
    let Some((&[chunk, width, height, flags], stream)) = data.split_first_chunk::<4>() else {
        return;
    };
    let mut buf = LogBuffer::new(64);
    let source = buf.sources.intern("pod\u{1b}[2J", "c\u{7}");
    let mut splitter = LineSplitter::default();
    let mut lines = Vec::new();
    for piece in stream.chunks(usize::from(chunk).max(1)) {
        splitter.feed(piece, |raw, cut| lines.push((raw.to_vec(), cut)));
    }
    splitter.finish(|raw, cut| lines.push((raw.to_vec(), cut)));

    for (raw, cut) in &lines {
        let line = to_line(raw, *cut, source);
        let parsed = parse_raw(raw, source);
        let (at, rest) = split_timestamp(raw);
        assert_eq!(parsed.at, at);
        assert_eq!(parsed.text, clean_log_bytes(rest));
        assert!(line.text.starts_with(&parsed.text) || cut.is_some());
        // A cut line knows how long it was, at least what was kept.
        if let Some(total) = cut {
            assert!(*total >= raw.len());
            assert_eq!(line.cut_from.map(|n| n.get() as usize), Some(*total));
        }
        if let Some(bad) = line.text.chars().find(|c| c.is_control()) {
            panic!("{bad:?} in log text from {raw:?}");
        }
        // A line already clean, behind a stamp, parses back to itself.
        if let Some(t) = at {
            let again = format!("{} {}", t.to_rfc3339(), parsed.text);
            assert_eq!(parse_raw(again.as_bytes(), source).text, parsed.text);
        }
        buf.push(line);
    }

    let state = LogViewState {
        filter: LogFilter::new("", "", if flags & 1 == 1 { "e" } else { "" }).unwrap_or_default(),
        wrap: flags & 2 == 2,
        timestamps: flags & 4 == 4,
        scroll: usize::from(flags >> 3),
        paused_at: None,
    };
    let width = u16::from(width);
    let view = log_view(&buf, &state, u16::from(height), width);
    for row in &view.rows {
        let w: usize = row.iter().map(|s| s.text.width()).sum();
        assert!(
            w <= usize::from(width.max(1)),
            "row {w} wide in {width}: {row:?}"
        );
        for seg in row {
            assert!(!seg.text.chars().any(char::is_control), "{seg:?}");
        }
    }
});
