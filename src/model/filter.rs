//! The `/` filter: a case-insensitive regex over a row's text, `!regex` to
//! invert it, or `-l selector` to match labels — as k9s users type it.

use std::collections::BTreeMap;

use regex::Regex;

use super::selector::Selector;

#[derive(Clone, Debug, Default)]
pub enum Filter {
    #[default]
    All,
    Text {
        re: Regex,
        inverse: bool,
    },
    Labels(Selector),
}

impl Filter {
    pub fn parse(input: &str) -> Result<Self, String> {
        let input = input.trim();
        if input.is_empty() {
            return Ok(Filter::All);
        }
        if let Some(sel) = input.strip_prefix("-l") {
            return Selector::parse(sel.trim()).map(Filter::Labels);
        }
        let (inverse, pattern) = match input.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, input),
        };
        let re = super::typed_regex::compile("filter", pattern)?;
        Ok(Filter::Text { re, inverse })
    }

    pub fn is_active(&self) -> bool {
        !matches!(self, Filter::All)
    }

    /// `text` is the row's searchable text; `labels` the object's labels.
    pub fn matches(&self, text: &str, labels: Option<&BTreeMap<String, String>>) -> bool {
        match self {
            Filter::All => true,
            Filter::Text { re, inverse } => re.is_match(text) != *inverse,
            Filter::Labels(sel) => sel.matches(labels),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_inverse_and_labels() {
        let l: BTreeMap<String, String> = [("app".to_string(), "api".to_string())].into();
        assert!(Filter::parse("API").unwrap().matches("shop api-1", None));
        assert!(!Filter::parse("!api").unwrap().matches("shop api-1", None));
        assert!(Filter::parse("!api").unwrap().matches("shop web-1", None));
        assert!(Filter::parse("-l app=api")
            .unwrap()
            .matches("anything", Some(&l)));
        assert!(!Filter::parse("-l app=web")
            .unwrap()
            .matches("anything", Some(&l)));
        assert!(!Filter::parse("").unwrap().is_active());
    }

    #[test]
    fn invalid_regex_is_one_clear_line() {
        let err = Filter::parse("(oops").unwrap_err();
        assert!(err.starts_with("bad filter regex:"), "{err}");
        assert!(!err.contains('\n'));
        assert!(Filter::parse("-l a b").is_err());
    }
}
