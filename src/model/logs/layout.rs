//! Laying styled text out in screen rows of a fixed width, by display
//! width (a CJK character takes two columns, a combining mark none).

use unicode_width::UnicodeWidthChar;

use super::segment::{Role, Segment};

/// Cuts `segments` into rows at most `width` columns wide. Without `wrap`
/// only the first row is kept. Always returns at least one row.
pub fn rows(segments: Vec<Segment>, width: usize, wrap: bool) -> Vec<Vec<Segment>> {
    let width = width.max(1);
    let mut rows: Vec<Vec<Segment>> = vec![Vec::new()];
    let mut used = 0usize;
    for seg in segments {
        let mut piece = String::new();
        for c in seg.text.chars() {
            // A wide character in a one-column view can never fit; an
            // ellipsis says something was there without overflowing.
            let (c, w) = match c.width().unwrap_or(0) {
                w if w > width => ('…', 1),
                w => (c, w),
            };
            if used + w > width {
                if !wrap {
                    push(&mut rows, &piece, seg.role);
                    return rows;
                }
                push(&mut rows, &piece, seg.role);
                piece.clear();
                rows.push(Vec::new());
                used = 0;
            }
            piece.push(c);
            used += w;
        }
        push(&mut rows, &piece, seg.role);
    }
    rows
}

fn push(rows: &mut [Vec<Segment>], text: &str, role: Role) {
    if text.is_empty() {
        return;
    }
    if let Some(row) = rows.last_mut() {
        match row.last_mut() {
            Some(last) if last.role == role => last.text.push_str(text),
            _ => row.push(Segment {
                text: text.to_string(),
                role,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str, role: Role) -> Segment {
        Segment {
            text: text.into(),
            role,
        }
    }

    fn texts(rows: &[Vec<Segment>]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.text.as_str()).collect())
            .collect()
    }

    #[test]
    fn wraps_across_segments() {
        let r = rows(
            vec![seg("pod/c ", Role::Source(0)), seg("abcdefgh", Role::Text)],
            5,
            true,
        );
        assert_eq!(texts(&r), ["pod/c", " abcd", "efgh"]);
        assert_eq!(r[1][0].role, Role::Source(0));
        assert_eq!(r[1][1].role, Role::Text);
    }

    #[test]
    fn without_wrap_the_rest_is_cut() {
        let r = rows(vec![seg("abcdefgh", Role::Text)], 3, false);
        assert_eq!(texts(&r), ["abc"]);
    }

    #[test]
    fn wide_characters_never_straddle_a_row() {
        let r = rows(vec![seg("a日本", Role::Text)], 4, true);
        assert_eq!(texts(&r), ["a日", "本"]);
    }

    #[test]
    fn a_character_wider_than_the_row_becomes_an_ellipsis() {
        // Found by fuzzing: a two-column character in a one-column view.
        let r = rows(vec![seg("字x", Role::Text)], 1, true);
        assert_eq!(texts(&r), ["…", "x"]);
    }

    #[test]
    fn empty_text_is_one_empty_row() {
        assert_eq!(rows(vec![seg("", Role::Text)], 10, true).len(), 1);
    }
}
