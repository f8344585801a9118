//! What a background result does to the state: the `Msg::Done` arm of
//! `update`. The tasks (`app::effects`, `app::write_runner`) only send
//! results; applying them here keeps every change of state on the one path.

use super::state::ObjKey;
use super::state::{App, Flash, Screen, View};
use super::write::WriteEffect;

#[derive(Clone, Debug, PartialEq)]
pub enum Done {
    /// Connected to another context (the run loop has already put the new
    /// connection in place), or why not.
    Switched(Result<Switched, String>),
    /// Results of the write side (plans, applies, permissions, the guard).
    Write(super::write::WriteDone),
    SecretKeys(ObjKey, Result<Vec<String>, String>),
    SecretValue(ObjKey, String, Result<super::reveal::SecretValue, String>),
    /// A revealed Secret changed (its new version) or was deleted (`None`).
    SecretChanged(ObjKey, Option<String>),
}

/// Where a context switch landed: what the state keeps of the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switched {
    pub context: String,
    pub server_version: String,
    /// The context's namespace, the new home.
    pub namespace: String,
    /// Who requests are made as (`--as`), for the header.
    pub impersonating: Option<String>,
}

impl Switched {
    pub fn of(conn: &crate::cluster::Connection) -> Self {
        Switched {
            context: conn.context.clone(),
            server_version: conn.server_version.clone(),
            namespace: conn.namespace.clone(),
            impersonating: conn.impersonating.clone(),
        }
    }
}

/// Applies a result to the state; the write side may ask for more work.
/// `update`'s `Msg::Done` arm is this (the tests call it directly).
pub fn apply(app: &mut App, done: Done) -> Option<WriteEffect> {
    match done {
        Done::Write(w) => return super::write::done(app, w),
        Done::SecretKeys(key, result) => {
            if let Err(e) = &result {
                flash(app, e.clone(), true);
            }
            app.secret_keys.insert(key, result);
        }
        Done::SecretValue(key, item, Ok(value)) => {
            super::reveal::arrived(app, key, item, value);
        }
        Done::SecretValue(_, _, Err(e)) => {
            app.reveal_asked = None;
            flash(app, e, true);
        }
        Done::SecretChanged(key, version) => {
            super::reveal::secret_changed(app, &key, version);
        }
        Done::Switched(Ok(to)) => {
            switched(app, to);
        }
        Done::Switched(Err(e)) => {
            flash(app, e, true);
        }
    }
    None
}

/// Another context is connected: nothing of the old one may stay on
/// screen or be acted on (its panels, a pending change, its permissions),
/// and the cockpit starts over on the overview of the context's namespace.
fn switched(app: &mut App, to: Switched) {
    app.write.panels.clear();
    app.write.pending = None;
    app.write.permissions.clear();
    app.cluster.context = to.context.clone();
    app.cluster.server_version = to.server_version;
    app.impersonating = to.impersonating;
    app.home_namespace = to.namespace.clone();
    app.namespace = Some(to.namespace);
    app.views = vec![View::new(Screen::Overview)];
    flash(app, format!("switched to context {}", to.context), false);
}

fn flash(app: &mut App, text: String, error: bool) {
    app.flash = Some(Flash { text, error });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::{ClusterInfo, Kind, ObjKey};

    fn app() -> App {
        let info = ClusterInfo {
            context: "old".into(),
            contexts: vec!["old".into(), "new".into()],
            server_version: "v1.30".into(),
            readonly: false,
        };
        App::new(info, Some("shop".into()), "shop".into())
    }

    #[test]
    fn a_context_switch_starts_over_on_the_new_home_namespace() {
        let mut app = app();
        app.views.push(View::new(Screen::List(Kind::Pods)));
        let to = Switched {
            context: "new".into(),
            server_version: "v1.34".into(),
            namespace: "web".into(),
            impersonating: None,
        };
        let effect = apply(&mut app, Done::Switched(Ok(to)));
        assert_eq!(effect, None);
        assert_eq!(app.cluster.context, "new");
        assert_eq!(app.cluster.server_version, "v1.34");
        assert_eq!(app.namespace.as_deref(), Some("web"));
        assert_eq!(app.home_namespace, "web");
        assert_eq!(app.views.len(), 1);
        assert_eq!(app.view().screen, Screen::Overview);
        assert!(app.write.panels.is_empty());
        let flash = app.flash.as_ref().map(|f| (f.text.as_str(), f.error));
        assert_eq!(flash, Some(("switched to context new", false)));
    }

    #[test]
    fn a_failed_switch_keeps_everything_and_says_why() {
        let mut app = app();
        let done = Done::Switched(Err("context new: connection refused".into()));
        apply(&mut app, done);
        assert_eq!(app.cluster.context, "old");
        assert_eq!(app.namespace.as_deref(), Some("shop"));
        let flash = app.flash.as_ref().map(|f| (f.text.as_str(), f.error));
        assert_eq!(flash, Some(("context new: connection refused", true)));
    }

    #[test]
    fn a_result_keeps_the_message_on_screen_and_a_failed_read_replaces_it() {
        let mut app = app();
        app.flash = Some(Flash {
            text: "keep me".into(),
            error: false,
        });
        let key = ObjKey::new("shop", "db");
        let done = Done::SecretKeys(key.clone(), Ok(vec!["password".into()]));
        apply(&mut app, done);
        assert_eq!(app.flash.as_ref().map(|f| f.text.as_str()), Some("keep me"));
        assert_eq!(
            app.secret_keys.get(&key),
            Some(&Ok(vec!["password".into()]))
        );
        let done = Done::SecretKeys(
            key,
            Err("forbidden: you may not read secret db in shop".into()),
        );
        apply(&mut app, done);
        assert_eq!(app.flash.as_ref().map(|f| f.error), Some(true));
    }
}
