//! Every state change goes through one of these. Keymap files name them
//! directly (`action = "view_pods"`), so the names are part of the config
//! format: rename with care.

use serde::Deserialize;

/// A verb's name (`delete_pod`), as `Action::Verb` carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VerbName(pub &'static str);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Back,
    Enter,
    Describe,
    Logs,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    Command,
    ViewOverview,
    ViewDeployments,
    ViewPods,
    ViewHpa,
    ViewEvents,
    ToggleAllNamespaces,
    SortNext,
    SortReverse,
    /// Pod detail: fetch a Secret's keys, or show/hide one key's value.
    Reveal,
    LogFollow,
    LogWrap,
    LogTimestamps,
    LogPrevious,
    LogSave,
    /// Deployment: the rolling update panel (images, scale, strategy, guard).
    RolloutPanel,
    /// Deployment: revision history, diff and rollback.
    History,
    /// Deployment: the blue-green panel of the pair it belongs to.
    BlueGreen,
    /// Deployment: `kubectl rollout restart`, through the confirm panel.
    Restart,
    /// Deployment: the rolling update panel with the replicas field focused.
    Scale,
    /// Deployment: pause or resume its rollout, through the confirm panel.
    PauseResume,
    /// The running (or last) guard's countdown; `c` there cancels it.
    Guard,
    /// The journal of every change attempted.
    Journal,
    /// A verb on the object under the highlight or on screen, by its
    /// `model::verbs::VerbSpec::name` (`delete_pod`), which is also how
    /// keymaps name it. A name, not the `Verb` itself: actions sit below
    /// the model in the layer order.
    #[serde(skip_deserializing)]
    Verb(VerbName),
}

impl Action {
    /// Used when a keymap binding has no `desc`.
    pub fn default_description(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "show or hide this help",
            Action::Back => "back / clear filter",
            Action::Enter => "open the selected item",
            Action::Describe => "details of the selected item",
            Action::Logs => "logs of the selected pod or deployment",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "go to the first row",
            Action::Bottom => "go to the last row",
            Action::Filter => "filter rows (regex, !inverse, -l label selector)",
            Action::Command => "command mode",
            Action::ViewOverview => "overview",
            Action::ViewDeployments => "deployments",
            Action::ViewPods => "pods",
            Action::ViewHpa => "horizontal pod autoscalers",
            Action::ViewEvents => "events",
            Action::ToggleAllNamespaces => "all namespaces / current namespace",
            Action::SortNext => "sort by the next column",
            Action::SortReverse => "reverse the sort order",
            Action::Reveal => "reveal / hide the selected secret key",
            Action::LogFollow => "logs: follow / pause",
            Action::LogWrap => "logs: wrap long lines",
            Action::LogTimestamps => "logs: show timestamps",
            Action::LogPrevious => "logs: previous container instance",
            Action::LogSave => "logs: save to a file",
            Action::RolloutPanel => "deployment: rolling update (image, scale, strategy, guard)",
            Action::History => "deployment: history, diff and rollback",
            Action::BlueGreen => "deployment: blue-green pair (prepare, switch, back)",
            Action::Restart => "deployment: restart (asks first)",
            Action::Scale => "deployment: scale",
            Action::PauseResume => "deployment: pause / resume the rollout (asks first)",
            Action::Guard => "guarded rollout: countdown (c cancels)",
            Action::Journal => "journal of changes",
            // A verb's binding carries its own (`VerbSpec::desc`).
            Action::Verb(_) => "change the selected object (asks first)",
        }
    }
}
