//! Styled pieces of text: what the log view emits and the layout cuts into
//! rows; the widget maps each role to a theme style.

/// How a piece of text is drawn; the widget maps each role to a style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Text,
    Dim,
    /// A `pod/container` prefix, with the pod's palette index.
    Source(u8),
    Highlight,
    /// `+ pod/container` markers.
    Attached,
    /// `- pod/container ...` markers.
    Detached,
    /// `! pod/container ...` markers, and errors on the status line.
    Problem,
    StatusText,
    StatusGood,
    StatusWarn,
    StatusBad,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub role: Role,
}

impl Segment {
    pub(super) fn new(text: impl Into<String>, role: Role) -> Self {
        Segment {
            text: text.into(),
            role,
        }
    }
}
