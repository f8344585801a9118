//! Include, exclude and highlight regexes over log text, case-insensitive
//! like stern's and k9s's.

use std::ops::Range;

use regex::Regex;

use super::line::{LineKind, LogLine};

#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    include: Option<Regex>,
    exclude: Option<Regex>,
    highlight: Option<Regex>,
}

/// Filters compare by their patterns (a compiled regex has no equality).
impl PartialEq for LogFilter {
    fn eq(&self, other: &Self) -> bool {
        let p = |r: &Option<Regex>| r.as_ref().map(|r| r.as_str().to_string());
        p(&self.include) == p(&other.include)
            && p(&self.exclude) == p(&other.exclude)
            && p(&self.highlight) == p(&other.highlight)
    }
}

impl LogFilter {
    /// Empty patterns mean "no such filter". A bad pattern gives one line
    /// naming which of the three is wrong.
    pub fn new(include: &str, exclude: &str, highlight: &str) -> Result<Self, String> {
        Ok(LogFilter {
            include: compile("include", include)?,
            exclude: compile("exclude", exclude)?,
            highlight: compile("highlight", highlight)?,
        })
    }

    pub fn include(&self) -> &str {
        self.include.as_ref().map_or("", Regex::as_str)
    }

    pub fn exclude(&self) -> &str {
        self.exclude.as_ref().map_or("", Regex::as_str)
    }

    pub fn highlight(&self) -> &str {
        self.highlight.as_ref().map_or("", Regex::as_str)
    }

    /// Markers always pass: they say what the streams are doing, which
    /// matters most when a filter hides everything else.
    pub fn matches(&self, line: &LogLine) -> bool {
        if line.kind == LineKind::Marker {
            return true;
        }
        self.matches_text(&line.text)
    }

    pub fn matches_text(&self, text: &str) -> bool {
        self.include.as_ref().is_none_or(|r| r.is_match(text))
            && !self.exclude.as_ref().is_some_and(|r| r.is_match(text))
    }

    /// Byte ranges of `text` to highlight, in order, never empty.
    pub fn highlights(&self, text: &str) -> Vec<Range<usize>> {
        let Some(re) = &self.highlight else {
            return Vec::new();
        };
        re.find_iter(text)
            .filter(|m| !m.is_empty())
            .map(|m| m.range())
            .collect()
    }
}

fn compile(what: &str, pattern: &str) -> Result<Option<Regex>, String> {
    if pattern.is_empty() {
        return Ok(None);
    }
    crate::model::typed_regex::compile(what, pattern).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal(text: &str) -> LogLine {
        LogLine {
            at: None,
            source: 0,
            text: text.into(),
            kind: LineKind::Normal,
            cut_from: None,
        }
    }

    #[test]
    fn include_and_exclude_are_case_insensitive() {
        let f = LogFilter::new("error|warn", "healthz", "").unwrap();
        assert!(f.matches(&normal("ERROR: boom")));
        assert!(f.matches(&normal("Warn: slow")));
        assert!(!f.matches(&normal("info: fine")));
        assert!(!f.matches(&normal("error on /HEALTHZ")));
        assert!(f.matches(&LogLine::marker(0, "+ web/app".into())));
    }

    #[test]
    fn empty_filter_passes_everything() {
        let f = LogFilter::default();
        assert!(f.matches(&normal("anything")));
        assert!(f.highlights("anything").is_empty());
        assert_eq!(f, LogFilter::new("", "", "").unwrap());
    }

    #[test]
    fn highlight_ranges_are_byte_ranges_on_char_boundaries() {
        let f = LogFilter::new("", "", "é+|x").unwrap();
        let text = "aÉé x";
        let r = f.highlights(text);
        assert_eq!(r, vec![1..5, 6..7]);
        assert_eq!(&text[r[0].clone()], "Éé");
        // A pattern that matches empty strings highlights nothing.
        assert!(LogFilter::new("", "", "z*")
            .unwrap()
            .highlights("abc")
            .is_empty());
    }

    #[test]
    fn invalid_regex_is_one_clear_line() {
        for (i, e, h, what) in [
            ("(oops", "", "", "include"),
            ("", "[z-a]", "", "exclude"),
            ("", "", "a{99999999}", "highlight"),
        ] {
            let err = LogFilter::new(i, e, h).unwrap_err();
            assert!(err.starts_with(&format!("bad {what} regex:")), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn equality_is_by_pattern() {
        let a = LogFilter::new("x", "", "").unwrap();
        assert_eq!(a, LogFilter::new("x", "", "").unwrap());
        assert_ne!(a, LogFilter::new("", "x", "").unwrap());
        assert_eq!(a.include(), "x");
    }
}
