//! Every state change goes through one of these. Keymap files name them
//! directly (`action = "view_pods"`), so the names are part of the config
//! format: rename with care.

use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Back,
    Enter,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    Command,
    ViewDeployments,
    ViewPods,
    ToggleAllNamespaces,
    SortNext,
    SortReverse,
}

impl Action {
    /// Used when a keymap binding has no `desc`.
    pub fn default_description(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "show or hide this help",
            Action::Back => "back / clear filter",
            Action::Enter => "open the selected item",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "go to the first row",
            Action::Bottom => "go to the last row",
            Action::Filter => "filter rows (regex, !inverse, -l label selector)",
            Action::Command => "command mode (:deploy, :pods, :ns NAME, :q)",
            Action::ViewDeployments => "deployments",
            Action::ViewPods => "pods",
            Action::ToggleAllNamespaces => "all namespaces / current namespace",
            Action::SortNext => "sort by the next column",
            Action::SortReverse => "reverse the sort order",
        }
    }
}
