//! The `/` filter: a case-insensitive regex over a row's text, `!regex` to
//! invert it, or `-l selector` to match labels — as k9s users type it.
//!
//! A row's text starts `namespace/name`. `^` anchors at the name as well
//! as at the start, so `/^worker` finds the workers and `/^shop/worker`
//! the ones in namespace shop.

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
        /// The pattern can only match at the start (`^`, `\A`): only then
        /// can the text from the name on match where the whole text did
        /// not, so only then is it tried.
        anchored: bool,
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
        let anchored = pattern.contains('^') || pattern.contains("\\A");
        Ok(Filter::Text {
            re,
            inverse,
            anchored,
        })
    }

    pub fn is_active(&self) -> bool {
        !matches!(self, Filter::All)
    }

    /// `text` is the row's searchable text and `from_name` its tail from
    /// the name on; `labels` the object's labels.
    pub fn matches(
        &self,
        text: &str,
        from_name: &str,
        labels: Option<&BTreeMap<String, String>>,
    ) -> bool {
        match self {
            Filter::All => true,
            Filter::Text {
                re,
                inverse,
                anchored,
            } => {
                let found = re.is_match(text) || (*anchored && re.is_match(from_name));
                found != *inverse
            }
            Filter::Labels(sel) => sel.matches(labels),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(text: &str) -> (&str, &str) {
        (text, &text[text.find('/').map_or(0, |i| i + 1)..])
    }

    fn matches(filter: &str, text: &str) -> bool {
        let (text, from_name) = row(text);
        Filter::parse(filter)
            .unwrap()
            .matches(text, from_name, None)
    }

    #[test]
    fn regex_inverse_and_labels() {
        let l: BTreeMap<String, String> = [("app".to_string(), "api".to_string())].into();
        assert!(matches("API", "shop/api-1 1/1"));
        assert!(!matches("!api", "shop/api-1 1/1"));
        assert!(matches("!api", "shop/web-1 1/1"));
        assert!(Filter::parse("-l app=api")
            .unwrap()
            .matches("anything", "anything", Some(&l)));
        assert!(!Filter::parse("-l app=web")
            .unwrap()
            .matches("anything", "anything", Some(&l)));
        assert!(!Filter::parse("").unwrap().is_active());
    }

    #[test]
    fn caret_anchors_at_the_name_and_at_the_namespace() {
        let text = "shop/worker-1 1/1 Running node-a";
        assert!(matches("^worker", text));
        assert!(matches("^shop/worker", text));
        assert!(matches("\\Awork", text));
        assert!(matches("^(api|worker)-1 ", text));
        assert!(!matches("^node", text), "other columns are not anchors");
        assert!(!matches("^orker", text));
        assert!(!matches("!^worker", text));
        assert!(matches("!^api", text));
        assert!(matches("node-a$", text));
    }

    #[test]
    fn invalid_regex_is_one_clear_line() {
        let err = Filter::parse("(oops").unwrap_err();
        assert!(err.starts_with("bad filter regex:"), "{err}");
        assert!(!err.contains('\n'));
        assert!(Filter::parse("-l a b").is_err());
    }
}
