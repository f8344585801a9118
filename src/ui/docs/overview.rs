//! The overview screen: health first, then what just went wrong.

use chrono::{DateTime, Utc};

use crate::app::data::Data;
use crate::app::state::App;
use crate::model::age::age;
use crate::model::overview::{overview, Overview};
use crate::model::rollout::Phase;
use crate::ui::doc::{Doc, Role};

pub fn overview_doc(app: &App, data: &Data, now: DateTime<Utc>) -> Doc {
    let o = overview(
        data.deployments.iter().map(|it| it.obj.as_ref()),
        data.pods.iter().map(|it| &it.row),
        data.hpas.iter().map(|h| h.obj.as_ref()),
        data.events.iter().map(|it| &it.row),
    );
    let ns = app
        .namespace
        .clone()
        .unwrap_or_else(|| "all namespaces".into());
    let mut doc = Doc::new(format!("overview({ns})"));
    doc.line(&[
        ("context ", Role::Dim),
        (&app.cluster.context, Role::Text),
        ("   namespace ", Role::Dim),
        (&ns, Role::Text),
        ("   kubernetes ", Role::Dim),
        (&app.cluster.server_version, Role::Text),
    ]);
    deployments(&mut doc, &o);
    pods(&mut doc, &o);
    hpas(&mut doc, &o);
    warnings(&mut doc, &o, now);
    doc
}

fn deployments(doc: &mut Doc, o: &Overview) {
    let total: usize = o.deployments.values().sum();
    doc.section(&format!("Deployments ({total})"));
    let count = |p: Phase| o.deployments.get(&p).copied().unwrap_or(0).to_string();
    let mut line = Vec::new();
    for (phase, role) in [
        (Phase::Complete, Role::Ok),
        (Phase::Progressing, Role::Progressing),
        (Phase::Paused, Role::Warning),
        (Phase::Stalled, Role::Failed),
    ] {
        let n = count(phase);
        let role = if n == "0" { Role::Dim } else { role };
        line.push((
            format!("  {} {} {}", phase.icon(), n, phase.as_str().to_lowercase()),
            role,
        ));
    }
    doc.push(line);
    for (name, phase, message) in &o.attention {
        let role = Role::from(phase.health());
        doc.push(vec![
            (format!("    {} ", phase.icon()), role),
            (format!("{name:<32} "), Role::Text),
            (message.clone(), Role::Dim),
        ]);
    }
}

fn pods(doc: &mut Doc, o: &Overview) {
    doc.section(&format!("Pods ({})", o.pods_total));
    let mut line = vec![("  ".to_string(), Role::Text)];
    for (i, (status, n)) in o.pods_by_status.iter().enumerate() {
        let role = match status.as_str() {
            "Running" | "Completed" | "Succeeded" => Role::Ok,
            "Pending" | "ContainerCreating" | "PodInitializing" | "Terminating" => {
                Role::Progressing
            }
            _ => Role::Failed,
        };
        if i > 0 {
            line.push(("  ·  ".into(), Role::Dim));
        }
        line.push((format!("{status} {n}"), role));
    }
    doc.push(line);
    if !o.crashlooping.is_empty() {
        doc.line(&[("  crashlooping:", Role::Failed)]);
        for (name, restarts) in o.crashlooping.iter().take(8) {
            doc.push(vec![
                (format!("    ✖ {name}"), Role::Failed),
                (format!("  {restarts} restarts"), Role::Dim),
            ]);
        }
        if o.crashlooping.len() > 8 {
            doc.line(&[(
                &format!("    … and {} more", o.crashlooping.len() - 8),
                Role::Dim,
            )]);
        }
    }
}

fn hpas(doc: &mut Doc, o: &Overview) {
    doc.section(&format!("Autoscalers ({})", o.hpas_total));
    if o.hpas_at_max.is_empty() {
        doc.line(&[("  none at their maximum", Role::Dim)]);
    }
    for (name, replicas) in &o.hpas_at_max {
        doc.push(vec![
            (format!("  ▲ {name}"), Role::Warning),
            (format!("  at max ({replicas} replicas)"), Role::Dim),
        ]);
    }
}

fn warnings(doc: &mut Doc, o: &Overview, now: DateTime<Utc>) {
    doc.section("Recent warnings");
    if o.warnings.is_empty() {
        doc.line(&[("  none", Role::Dim)]);
    }
    for (at, object, reason, message) in &o.warnings {
        doc.push(vec![
            (format!("  {:>6}  ", age(*at, now)), Role::Dim),
            (format!("{object:<36} "), Role::Text),
            (format!("{reason:<20} "), Role::Warning),
            (message.clone(), Role::Text),
        ]);
    }
}
