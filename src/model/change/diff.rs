//! Unified diffs of objects as YAML lines: the confirm panel's preview and
//! the history panel's "this revision against the current template".

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use super::yaml::yaml_lines;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DiffTag {
    /// `@@ -a,b +c,d @@`
    Hunk,
    Context,
    Added,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub tag: DiffTag,
    /// The line without its `+`/`-`/` ` marker (the panel draws it).
    pub text: String,
}

impl DiffLine {
    pub fn marker(&self) -> &'static str {
        match self.tag {
            DiffTag::Hunk => "",
            DiffTag::Context => " ",
            DiffTag::Added => "+",
            DiffTag::Removed => "-",
        }
    }
}

/// Lines of context around each change, as `diff -u` and `kubectl diff`.
pub const CONTEXT_LINES: usize = 3;

/// A unified diff of `before` → `after` rendered as YAML; empty when they
/// render the same.
pub fn diff_values(before: &Value, after: &Value) -> Vec<DiffLine> {
    let old = yaml_lines(before).join("\n") + "\n";
    let new = yaml_lines(after).join("\n") + "\n";
    diff_text(&old, &new)
}

pub fn diff_text(old: &str, new: &str) -> Vec<DiffLine> {
    let diff = TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(CONTEXT_LINES) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        out.push(DiffLine {
            tag: DiffTag::Hunk,
            text: format!(
                "@@ -{} +{} @@",
                hunk_range(&old_range),
                hunk_range(&new_range)
            ),
        });
        for op in &group {
            for change in diff.iter_changes(op) {
                let tag = match change.tag() {
                    ChangeTag::Equal => DiffTag::Context,
                    ChangeTag::Insert => DiffTag::Added,
                    ChangeTag::Delete => DiffTag::Removed,
                };
                out.push(DiffLine {
                    tag,
                    text: change.value().trim_end_matches('\n').to_string(),
                });
            }
        }
    }
    out
}

/// `start,len` with 1-based start, as unified diff headers write it.
fn hunk_range(r: &std::ops::Range<usize>) -> String {
    let len = r.end - r.start;
    let start = if len == 0 { r.start } else { r.start + 1 };
    if len == 1 {
        start.to_string()
    } else {
        format!("{start},{len}")
    }
}

/// `+a -b` counts for a one-line summary of a diff.
pub fn diff_stats(lines: &[DiffLine]) -> (usize, usize) {
    lines.iter().fold((0, 0), |(a, r), l| match l.tag {
        DiffTag::Added => (a + 1, r),
        DiffTag::Removed => (a, r + 1),
        _ => (a, r),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn image_change_is_one_hunk_with_context() {
        let before = json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.24"}]}}}});
        let mut after = before.clone();
        after["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.25");
        let d = diff_values(&before, &after);
        let rendered: Vec<String> = d
            .iter()
            .map(|l| format!("{}{}", l.marker(), l.text))
            .collect();
        assert_eq!(
            rendered,
            [
                "@@ -3,5 +3,5 @@",
                "   template:",
                "     spec:",
                "       containers:",
                "-      - image: nginx:1.24",
                "+      - image: nginx:1.25",
                "         name: web",
            ]
        );
        assert_eq!(diff_stats(&d), (1, 1));
    }

    #[test]
    fn identical_values_have_no_diff() {
        let v = json!({"a": 1});
        assert!(diff_values(&v, &v).is_empty());
    }

    #[test]
    fn far_apart_changes_make_two_hunks() {
        let before: serde_json::Map<String, serde_json::Value> =
            (0..20).map(|i| (format!("k{i:02}"), json!(i))).collect();
        let mut after = before.clone();
        after.insert("k00".into(), json!(100));
        after.insert("k19".into(), json!(119));
        let d = diff_values(&before.into(), &after.into());
        let hunks: Vec<&str> = d
            .iter()
            .filter(|l| l.tag == DiffTag::Hunk)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(hunks, ["@@ -1,4 +1,4 @@", "@@ -17,4 +17,4 @@"]);
    }
}
