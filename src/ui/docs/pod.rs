//! Pod detail: containers, what they read, and the pod's events.

use chrono::{DateTime, Utc};

use crate::app::data::Data;
use crate::app::reveal::secret_lines;
use crate::app::state::{App, ObjKey};
use crate::model::age::age;
use crate::model::pod_detail::{pod_detail, ConfigKind};
use crate::ui::doc::{Doc, Role};

const MASK: &str = "••••••••";

pub fn pod_doc(app: &App, data: &Data, key: &ObjKey, now: DateTime<Utc>) -> Doc {
    let mut doc = Doc::new(format!("pod {}/{}", key.namespace, key.name));
    let Some(item) = data
        .pods
        .iter()
        .find(|it| it.row.namespace == key.namespace && it.row.name == key.name)
    else {
        doc.line(&[("this pod no longer exists (esc to go back)", Role::Gone)]);
        return doc;
    };
    let d = pod_detail(&item.obj, now);
    doc.push(vec![
        ("status ".into(), Role::Dim),
        (d.status.clone(), Role::from(item.row.health)),
        ("   node ".into(), Role::Dim),
        (d.node.clone(), Role::Text),
        ("   ip ".into(), Role::Dim),
        (d.ip.clone(), Role::Text),
        ("   started ".into(), Role::Dim),
        (d.started.clone(), Role::Text),
        ("   owner ".into(), Role::Dim),
        (item.row.owner.clone(), Role::Text),
    ]);

    doc.section("Containers");
    for c in &d.containers {
        let kind = if c.init { " (init)" } else { "" };
        doc.push(vec![
            (format!("  {}{kind}", c.name), Role::Accent),
            (format!("  {}", c.image), Role::Dim),
        ]);
        doc.push(vec![
            ("    state ".into(), Role::Dim),
            (c.state.clone(), Role::from(c.health)),
            (
                format!("   ready {}   restarts {}", c.ready, c.restarts),
                Role::Dim,
            ),
        ]);
        if let Some(last) = &c.last_termination {
            doc.push(vec![
                ("    last termination ".into(), Role::Dim),
                (last.clone(), Role::Warning),
            ]);
        }
    }

    doc.section("ConfigMaps");
    let cms: Vec<_> = d
        .config
        .iter()
        .filter(|r| r.kind == ConfigKind::ConfigMap)
        .collect();
    if cms.is_empty() {
        doc.line(&[("  none", Role::Dim)]);
    }
    for r in cms {
        let key = r
            .key
            .as_deref()
            .map(|k| format!(" [{k}]"))
            .unwrap_or_default();
        doc.push(vec![
            (format!("  {}{key}", r.name), Role::Text),
            (format!("  via {}", r.via), Role::Dim),
        ]);
    }

    doc.section("Secrets (x: reveal one key)");
    let lines = secret_lines(app, &d);
    if lines.is_empty() {
        doc.line(&[("  none", Role::Dim)]);
    }
    for (secret, key) in lines {
        let via = d
            .config
            .iter()
            .find(|r| {
                r.kind == ConfigKind::Secret
                    && r.name == secret.name
                    && (r.key.is_none() || r.key == key)
            })
            .map(|r| format!("  via {}", r.via))
            .unwrap_or_default();
        let line = match key {
            None => match app.secret_keys.get(&secret) {
                Some(Err(e)) => vec![
                    (format!("  {}", secret.name), Role::Text),
                    (format!("  {e}"), Role::Failed),
                ],
                _ => vec![
                    (format!("  {}", secret.name), Role::Text),
                    ("  (x: list keys)".into(), Role::Dim),
                    (via, Role::Dim),
                ],
            },
            Some(k) => {
                let shown = app
                    .revealed
                    .as_ref()
                    .and_then(|r| r.shown(&app.view().screen, &secret, &k, app.now()));
                let mut line = vec![(format!("  {} [{k}] = ", secret.name), Role::Text)];
                match shown {
                    Some((v, left)) => {
                        line.push((v.to_string(), Role::Warning));
                        line.push((format!("  (hidden in {left}s)"), Role::Dim));
                    }
                    None => line.push((MASK.to_string(), Role::Dim)),
                }
                line.push((via, Role::Dim));
                line
            }
        };
        doc.selectable_line(line);
    }

    doc.section("Events");
    let mut events: Vec<_> = data
        .events
        .iter()
        .filter(|e| e.row.is_about("Pod", &key.namespace, &key.name))
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.row.last_seen));
    if events.is_empty() {
        // Only Warnings are cached in the background: not "none" until
        // all events are in.
        let text = if data.events_complete {
            "  none"
        } else {
            "  loading events…"
        };
        doc.line(&[(text, Role::Dim)]);
    }
    for e in events.iter().take(20) {
        let role = if e.row.warning {
            Role::Warning
        } else {
            Role::Text
        };
        doc.push(vec![
            (format!("  {:>6}  ", age(e.row.last_seen, now)), Role::Dim),
            (format!("{:<18} ", e.row.reason), role),
            (e.row.message.clone(), Role::Text),
        ]);
    }
    doc
}
