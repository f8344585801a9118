//! Container logs as the cockpit keeps them: lines parsed and sanitized where
//! they enter, merged across streams by time, held in a bounded buffer that
//! counts what it drops, filtered and laid out for the view, and saved.
//! Pure: the streams themselves live in `cluster::logs`.

pub mod buffer;
pub mod filter;
pub mod layout;
pub mod line;
pub mod merge;
pub mod resume;
pub mod save;
pub mod segment;
pub mod since;
pub mod sources;
pub mod split;
pub mod view;

pub use buffer::{FeedStatus, LogBuffer};
pub use filter::LogFilter;
pub use line::{LineKind, LogLine};
pub use merge::Merger;
pub use resume::Cursor;
pub use segment::{Role, Segment};
pub use sources::{Source, Sources};
pub use view::{log_view, LogView, LogViewState};

#[cfg(test)]
mod hostile_tests {
    use super::line::parse_raw;
    use super::*;

    /// Every byte sequence from the security corpus, run through the real
    /// entry point and the view, never yields a control character on screen.
    #[test]
    fn hostile_bytes_never_reach_the_view() {
        let mut b = LogBuffer::new(1000);
        let src = b.sources.intern("evil\x1b[2J-pod", "c\x07");
        let mut corpus: Vec<Vec<u8>> = [
            &b"\x1b[2J"[..],
            b"\x1b[31m",
            b"\x1b]0;title\x07",
            b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
            b"\x1b]52;c;aGk=\x07",
            b"\x1bP...\x1b\\",
            b"\xc2\x9b31m",
            b"\r",
            b"\x08",
            b"\x07",
            "\u{202E}".as_bytes(),
            b"\xff\xfe",
            b"\x00\x01\x7f\t",
            "\u{2066}\u{200B}\u{feff}".as_bytes(),
        ]
        .iter()
        .map(|s| [b"2024-05-01T10:00:00Z before", *s, b"after"].concat())
        .collect();
        corpus.push([b"2024-05-01T10:00:00Z ".to_vec(), vec![b'y'; 1 << 20]].concat());
        for raw in &corpus {
            b.push(parse_raw(raw, src));
        }
        let state = LogViewState {
            timestamps: true,
            filter: LogFilter::new("", "", "after").unwrap(),
            ..LogViewState::default()
        };
        let view = log_view(&b, &state, 60, 120);
        assert!(view.rows.len() > corpus.len());
        let all = view.rows.iter().chain([&view.status]).flatten();
        for seg in all {
            assert!(
                !seg.text.chars().any(|c| c.is_control()
                    || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
                "{:?}",
                seg.text
            );
        }
    }
}
