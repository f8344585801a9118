//! A revealed Secret value: one key, on the one pod page it was asked on,
//! for one version of the Secret, for a short while.
//!
//! The value ends when the operator leaves that page, after
//! [`REVEAL_SECS`] (the page counts down), and when the Secret changes or
//! disappears (a rotated password is shown only after a new reveal). So a
//! value never follows the operator to another pod or screen, nor outlives
//! the Secret it was read from.

use chrono::{DateTime, Duration, Utc};

use super::state::{App, Flash, Kind, ObjKey, Screen};

/// How long a revealed value stays on screen.
pub const REVEAL_SECS: i64 = 30;

/// What was asked for, until the value arrives: a value for anything else
/// (a late answer after the operator moved on) is dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct Asked {
    pub page: ObjKey,
    pub secret: ObjKey,
    pub key: String,
}

/// One key's value as read, with the Secret's version it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretValue {
    pub value: String,
    pub resource_version: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Revealed {
    pub page: ObjKey,
    pub secret: ObjKey,
    pub key: String,
    pub value: String,
    pub resource_version: Option<String>,
    pub until: DateTime<Utc>,
}

impl Revealed {
    /// The value and the seconds it has left, when `secret`'s `key` is drawn
    /// on `screen` at `now`; `None` draws the mask.
    pub fn shown(
        &self,
        screen: &Screen,
        secret: &ObjKey,
        key: &str,
        now: DateTime<Utc>,
    ) -> Option<(&str, i64)> {
        let here = matches!(screen, Screen::Detail(Kind::Pods, p) if *p == self.page);
        // Rounded up: the last second reads "1s", never "0s".
        let left = ((self.until - now).num_milliseconds() + 999) / 1000;
        (here && self.secret == *secret && self.key == key && now < self.until)
            .then_some((self.value.as_str(), left))
    }
}

/// The secret lines of the pod detail, in display order: a Secret the pod
/// reads whole expands to its keys once they were fetched.
pub fn secret_lines(
    app: &App,
    pod: &crate::model::pod_detail::PodDetail,
) -> Vec<(ObjKey, Option<String>)> {
    use crate::model::pod_detail::ConfigKind;
    let mut lines = Vec::new();
    for r in pod.config.iter().filter(|r| r.kind == ConfigKind::Secret) {
        let key = ObjKey::new(&pod.namespace, &r.name);
        match (&r.key, app.secret_keys.get(&key)) {
            (Some(k), _) => lines.push((key, Some(k.clone()))),
            (None, Some(Ok(keys))) => {
                lines.extend(keys.iter().map(|k| (key.clone(), Some(k.clone()))))
            }
            (None, _) => lines.push((key, None)),
        }
    }
    lines.dedup();
    lines
}

/// The operator asked for `secret`'s `key` on the current page.
pub fn ask(app: &mut App, secret: ObjKey, key: String) {
    let Screen::Detail(Kind::Pods, page) = app.view().screen.clone() else {
        return;
    };
    app.revealed = None;
    app.reveal_asked = Some(Asked { page, secret, key });
}

/// The value arrived: shown only if it is still what is asked on this page.
pub fn arrived(app: &mut App, secret: ObjKey, key: String, value: SecretValue) {
    let Some(asked) = app.reveal_asked.take() else {
        return;
    };
    let here = matches!(&app.view().screen, Screen::Detail(Kind::Pods, p) if *p == asked.page);
    if !here || asked.secret != secret || asked.key != key {
        return;
    }
    app.revealed = Some(Revealed {
        page: asked.page,
        secret,
        key,
        value: value.value,
        resource_version: value.resource_version,
        until: app.now() + Duration::seconds(REVEAL_SECS),
    });
}

/// Hides the value when the operator is no longer on its page or its time is
/// up; true when something was hidden (the screen changes).
pub fn expire(app: &mut App) -> bool {
    let now = app.now();
    let screen = app.view().screen.clone();
    let on_page = |page: &ObjKey| matches!(&screen, Screen::Detail(Kind::Pods, p) if p == page);
    if app.reveal_asked.as_ref().is_some_and(|a| !on_page(&a.page)) {
        app.reveal_asked = None;
    }
    let gone = app
        .revealed
        .as_ref()
        .is_some_and(|r| !on_page(&r.page) || now >= r.until);
    if gone {
        app.revealed = None;
    }
    gone
}

/// The Secret changed (`Some` new version) or was deleted (`None`) while its
/// value was shown: hide it and say why.
pub fn secret_changed(app: &mut App, secret: &ObjKey, version: Option<String>) {
    let Some(r) = app.revealed.as_ref() else {
        return;
    };
    if r.secret != *secret || (version.is_some() && version == r.resource_version) {
        return;
    }
    let what = if version.is_some() {
        "changed"
    } else {
        "was deleted"
    };
    app.flash = Some(Flash {
        text: format!(
            "secret {} {what}: its value is hidden (x reveals the current one)",
            secret.name
        ),
        error: false,
    });
    app.revealed = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::{ClusterInfo, View};

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + secs, 0).unwrap_or_default()
    }

    fn on_pod(name: &str) -> App {
        let mut app = App::new(ClusterInfo::default(), Some("shop".into()), "shop".into());
        app.clock = Some(at(0));
        app.views.push(View::new(Screen::Detail(
            Kind::Pods,
            ObjKey::new("shop", name),
        )));
        app
    }

    fn reveal(app: &mut App) {
        ask(app, ObjKey::new("shop", "db"), "password".into());
        arrived(
            app,
            ObjKey::new("shop", "db"),
            "password".into(),
            SecretValue {
                value: "hunter2".into(),
                resource_version: Some("7".into()),
            },
        );
    }

    fn shown(app: &App) -> Option<(String, i64)> {
        let r = app.revealed.as_ref()?;
        r.shown(
            &app.view().screen,
            &ObjKey::new("shop", "db"),
            "password",
            app.now(),
        )
        .map(|(v, left)| (v.to_string(), left))
    }

    #[test]
    fn shown_on_its_page_with_a_countdown_then_hidden_after_the_timeout() {
        let mut app = on_pod("api-1");
        reveal(&mut app);
        assert_eq!(shown(&app), Some(("hunter2".into(), 30)));
        app.clock = Some(at(20));
        assert!(!expire(&mut app));
        assert_eq!(shown(&app), Some(("hunter2".into(), 10)));
        app.clock = Some(at(REVEAL_SECS));
        assert_eq!(shown(&app), None, "never drawn past its time");
        assert!(expire(&mut app));
        assert!(app.revealed.is_none());
    }

    #[test]
    fn another_pod_page_never_shows_it_and_leaving_the_page_ends_it() {
        let mut app = on_pod("api-1");
        reveal(&mut app);
        app.views.push(View::new(Screen::Detail(
            Kind::Pods,
            ObjKey::new("shop", "api-2"),
        )));
        assert_eq!(shown(&app), None, "a second pod's page shows the mask");
        assert!(expire(&mut app));
        app.views.pop();
        assert_eq!(shown(&app), None, "coming back needs a new reveal");
    }

    #[test]
    fn a_late_value_for_a_page_already_left_is_dropped() {
        let mut app = on_pod("api-1");
        ask(&mut app, ObjKey::new("shop", "db"), "password".into());
        app.views.pop();
        expire(&mut app);
        app.views.push(View::new(Screen::Detail(
            Kind::Pods,
            ObjKey::new("shop", "api-1"),
        )));
        arrived(
            &mut app,
            ObjKey::new("shop", "db"),
            "password".into(),
            SecretValue {
                value: "hunter2".into(),
                resource_version: None,
            },
        );
        assert!(app.revealed.is_none());
    }

    #[test]
    fn a_rotated_or_deleted_secret_hides_the_old_value() {
        let mut app = on_pod("api-1");
        reveal(&mut app);
        secret_changed(&mut app, &ObjKey::new("shop", "db"), Some("7".into()));
        assert!(shown(&app).is_some(), "the same version changes nothing");
        secret_changed(&mut app, &ObjKey::new("shop", "other"), None);
        assert!(shown(&app).is_some());
        secret_changed(&mut app, &ObjKey::new("shop", "db"), Some("8".into()));
        assert_eq!(shown(&app), None);
        assert!(app
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("changed")));
        reveal(&mut app);
        secret_changed(&mut app, &ObjKey::new("shop", "db"), None);
        assert_eq!(shown(&app), None);
        assert!(app
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("deleted")));
    }
}
