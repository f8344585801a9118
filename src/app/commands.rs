//! The words `:` understands, in one table: a word that does what a key
//! does resolves to that key's [`Action`] (`:deploy` is `2`, `:q` is `q`),
//! so a command and its key cannot drift apart. Completion, help and the
//! "unknown command" hint are derived from the same table.

use super::state::Kind;
use crate::action::Action;

/// What a `:` word does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// The same as the key bound to this action.
    Act(Action),
    /// Show a kind's list (a kind with no key of its own).
    List(Kind),
    /// `:logs [CONTAINER] [-p]`.
    Logs,
    /// `:hl TEXT`.
    Highlight,
    /// `:since 5m`.
    Since,
    /// `:tail LINES`.
    Tail,
    /// `:ns [NAME|all]`.
    Namespace,
    /// `:ctx [NAME]`.
    Context,
}

/// One row: the words listed in completion and help, the aliases that
/// also work, and what they do. The kinds' names come right after the
/// first row (see [`listed`]).
pub struct Row {
    pub listed: &'static [&'static str],
    pub aliases: &'static [&'static str],
    pub command: Command,
}

const fn row(
    listed: &'static [&'static str],
    aliases: &'static [&'static str],
    command: Command,
) -> Row {
    Row {
        listed,
        aliases,
        command,
    }
}

pub const COMMANDS: &[Row] = &[
    row(
        &["overview"],
        &["ov", "home"],
        Command::Act(Action::ViewOverview),
    ),
    row(&["logs"], &["log"], Command::Logs),
    row(&["hl"], &["highlight"], Command::Highlight),
    row(&["since"], &[], Command::Since),
    row(&["tail"], &[], Command::Tail),
    row(&["ns"], &["namespace"], Command::Namespace),
    row(&["ctx"], &["context"], Command::Context),
    row(&["journal"], &[], Command::Act(Action::Journal)),
    row(&["rollout"], &[], Command::Act(Action::RolloutPanel)),
    row(&["history"], &[], Command::Act(Action::History)),
    row(
        &["bg"],
        &["bluegreen", "blue-green"],
        Command::Act(Action::BlueGreen),
    ),
    row(&["guard"], &[], Command::Act(Action::Guard)),
    row(&["help"], &["?"], Command::Act(Action::Help)),
    row(&["quit", "q"], &["q!", "exit"], Command::Act(Action::Quit)),
];

/// The list screens that have a key of their own: their `:` names resolve
/// to that key's action, and the action shows that list.
pub const VIEW_ACTIONS: [(Action, Kind); 4] = [
    (Action::ViewDeployments, Kind::Deployments),
    (Action::ViewPods, Kind::Pods),
    (Action::ViewHpa, Kind::Hpas),
    (Action::ViewEvents, Kind::Events),
];

/// What `word` does, if it is a command.
pub fn resolve(word: &str) -> Option<Command> {
    let row = COMMANDS
        .iter()
        .find(|r| r.listed.contains(&word) || r.aliases.contains(&word));
    match row {
        Some(r) => Some(r.command),
        None => Kind::from_word(word).map(|kind| {
            VIEW_ACTIONS
                .iter()
                .find(|(_, k)| *k == kind)
                .map_or(Command::List(kind), |(a, _)| Command::Act(*a))
        }),
    }
}

/// The words `:` lists, for completion and help: the overview, each listed
/// kind's first name, then the rest.
pub fn listed() -> Vec<&'static str> {
    let kinds = Kind::LISTED
        .into_iter()
        .filter_map(|k| k.listing().and_then(|l| l.aliases.first().copied()));
    let (first, rest) = COMMANDS.split_at(1);
    first
        .iter()
        .flat_map(|r| r.listed.iter().copied())
        .chain(kinds)
        .chain(rest.iter().flat_map(|r| r.listed.iter().copied()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_with_a_key_resolve_to_that_keys_action() {
        for (word, action) in [
            ("q", Action::Quit),
            ("q!", Action::Quit),
            ("quit", Action::Quit),
            ("exit", Action::Quit),
            ("help", Action::Help),
            ("?", Action::Help),
            ("ov", Action::ViewOverview),
            ("journal", Action::Journal),
            ("bg", Action::BlueGreen),
            ("rollout", Action::RolloutPanel),
        ] {
            assert_eq!(resolve(word), Some(Command::Act(action)), ":{word}");
        }
        assert_eq!(resolve("ns"), Some(Command::Namespace));
        assert_eq!(resolve("nope"), None);
    }

    #[test]
    fn a_kind_name_is_its_keys_action_or_its_list() {
        for (action, kind) in VIEW_ACTIONS {
            let name = kind
                .listing()
                .and_then(|l| l.aliases.first().copied())
                .unwrap();
            assert_eq!(resolve(name), Some(Command::Act(action)), ":{name}");
        }
        assert_eq!(
            resolve("deploy"),
            Some(Command::Act(Action::ViewDeployments))
        );
        for kind in Kind::LISTED {
            let name = kind
                .listing()
                .and_then(|l| l.aliases.first().copied())
                .unwrap();
            let resolved = resolve(name);
            let keyed = VIEW_ACTIONS.iter().any(|(_, k)| *k == kind);
            assert!(keyed || resolved == Some(Command::List(kind)), ":{name}");
        }
    }

    #[test]
    fn the_listed_words_keep_their_order() {
        let listed = listed();
        assert_eq!(listed.first(), Some(&"overview"));
        let tail: Vec<_> = listed.iter().rev().take(14).rev().copied().collect();
        assert_eq!(
            tail,
            [
                "logs", "hl", "since", "tail", "ns", "ctx", "journal", "rollout", "history", "bg",
                "guard", "help", "quit", "q"
            ]
        );
    }
}
