//! A styled text document: the shape every detail screen (overview, pod,
//! deployment events, a resource's detail...) is reduced to before drawing.
//! Plain data, so a resource's detail is built below the UI; comparable, so
//! an unchanged detail screen is not redrawn.

use super::rows::Health;

/// What a piece of text means; the theme decides how that looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Text,
    Dim,
    Accent,
    Header,
    Ok,
    Progressing,
    Warning,
    Failed,
    Gone,
}

impl From<Health> for Role {
    fn from(h: Health) -> Self {
        match h {
            Health::Ok => Role::Ok,
            Health::Progressing => Role::Progressing,
            Health::Warning => Role::Warning,
            Health::Failed => Role::Failed,
            Health::Gone => Role::Gone,
        }
    }
}

pub type DocLine = Vec<(String, Role)>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub title: String,
    pub lines: Vec<DocLine>,
    /// Lines the cursor can rest on (e.g. secret keys); empty = the cursor
    /// just scrolls.
    pub selectable: Vec<usize>,
    /// The highlighted line, if any.
    pub cursor_line: Option<usize>,
    pub scroll: usize,
}

impl Doc {
    pub fn new(title: impl Into<String>) -> Self {
        Doc {
            title: title.into(),
            ..Doc::default()
        }
    }

    pub fn line(&mut self, parts: &[(&str, Role)]) {
        self.lines
            .push(parts.iter().map(|(t, r)| (t.to_string(), *r)).collect());
    }

    pub fn push(&mut self, line: DocLine) {
        self.lines.push(line);
    }

    pub fn section(&mut self, title: &str) {
        if !self.lines.is_empty() {
            self.lines.push(Vec::new());
        }
        self.lines.push(vec![(title.to_string(), Role::Header)]);
    }

    pub fn selectable_line(&mut self, line: DocLine) {
        self.selectable.push(self.lines.len());
        self.lines.push(line);
    }

    /// Places cursor and scroll for a view `height` lines tall: the cursor
    /// walks selectable lines when there are any, else it scrolls.
    pub fn place(&mut self, cursor: usize, height: usize) {
        let height = height.max(1);
        let max_scroll = self.lines.len().saturating_sub(height);
        if self.selectable.is_empty() {
            self.scroll = cursor.min(max_scroll);
            return;
        }
        let idx = cursor.min(self.selectable.len() - 1);
        let line = self.selectable[idx];
        self.cursor_line = Some(line);
        self.scroll = line
            .saturating_sub(height.saturating_sub(2))
            .min(max_scroll);
    }
}
