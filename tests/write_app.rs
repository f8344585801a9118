#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The app's write side against the demo cluster: keys go through
//! `key_to_msg` → `update`, the effects through the same `WriteRunner` the
//! run loop uses, and its `Done` messages back through `effects::apply`.
//! Data comes from real watchers, as in the app.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::json;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use kockpit::app::data::Data;
use kockpit::app::dialogs::confirm::Phase;
use kockpit::app::effects::{self, Done};
use kockpit::app::state::{App, ClusterInfo};
use kockpit::app::update::{key_to_msg, update, Effect};
use kockpit::app::write::{Panel, WriteDone};
use kockpit::app::write_runner::WriteRunner;
use kockpit::cluster::ops::journal::{read_journal, JOURNAL_FILE};
use kockpit::cluster::ops::{Entry, GuardState, Identity, Journal, Outcome};
use kockpit::cluster::watch::Scope;
use kockpit::cluster::{connect, ConnectOptions, Watchers};
use kockpit::config::keymap::Keymap;
use kockpit::demo::{DemoCluster, DemoOptions};
use kockpit::model::pairs::DEFAULT_SLOT_KEYS;
use kockpit::model::rollout::rollout_status;

mod support;
use support::deploy::image_of;

const T: Duration = Duration::from_secs(90);
const RESTRICTED_CONTEXT: &str = "kockpit-demo-restricted";

struct Harness {
    demo: Option<DemoCluster>,
    client: Client,
    watchers: Watchers,
    data: Data,
    app: App,
    runner: WriteRunner,
    tx: UnboundedSender<Done>,
    rx: UnboundedReceiver<Done>,
    journal: PathBuf,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start(context: Option<&str>, readonly: bool) -> Harness {
        let demo = DemoCluster::start(DemoOptions {
            speed: 4.0,
            ..DemoOptions::default()
        })
        .await
        .unwrap();
        let kubeconfig = demo.kubeconfig_path().to_path_buf();
        let conn = connect(&ConnectOptions {
            kubeconfig: Some(kubeconfig.clone()),
            context: context.map(str::to_string),
            namespace: Some("shop".into()),
            ..Default::default()
        })
        .await
        .unwrap();
        let watchers = Watchers::start(conn.client.clone(), Scope::Namespace("shop".into()));
        let info = ClusterInfo {
            context: conn.context.clone(),
            contexts: conn.contexts.clone(),
            server_version: conn.server_version.clone(),
            readonly,
        };
        let mut app = App::new(info, Some("shop".into()), "shop".into());
        let dir = tempfile::tempdir().unwrap();
        let journal_path = dir.path().join(JOURNAL_FILE);
        let journal = Arc::new(Journal::open(&journal_path).unwrap());
        let identity = Identity::load(Some(&kubeconfig), &conn.context);
        let keys: Vec<String> = DEFAULT_SLOT_KEYS.iter().map(|s| s.to_string()).collect();
        let runner =
            WriteRunner::connect(conn.client.clone(), identity, readonly, Some(journal), keys);
        app.write.journal_path = runner.journal_path();
        let (tx, rx) = unbounded_channel();
        let mut h = Harness {
            demo: Some(demo),
            client: conn.client.clone(),
            watchers,
            data: Data::default(),
            app,
            runner,
            tx,
            rx,
            journal: journal_path,
            _dir: dir,
        };
        h.until("the first lists", |h| {
            h.watchers.all_synced() && h.data.deployments.len() >= 3
        })
        .await;
        h.keys("2");
        h
    }

    fn refresh(&mut self) {
        for kind in self.watchers.changes.take() {
            self.data.refresh(kind, &self.watchers.stores);
        }
        self.app.refresh_visible(&self.data);
    }

    fn run(&mut self, effect: Effect) {
        if let Effect::Write(w) = effect {
            self.runner.execute(w, &self.tx);
        }
    }

    fn key(&mut self, ev: KeyEvent) {
        if let Some(msg) = key_to_msg(&self.app, &Keymap::builtin(), &ev) {
            let effect = update(&mut self.app, &self.data, msg);
            self.run(effect);
        }
    }

    fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\u{1b}' => KeyCode::Esc,
                '\u{8}' => KeyCode::Backspace,
                c => KeyCode::Char(c),
            };
            self.key(KeyEvent::new(code, KeyModifiers::NONE));
        }
    }

    fn ctrl(&mut self, c: char) {
        self.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    /// One turn of the run loop: results, guard views, cache changes.
    async fn turn(&mut self) {
        while let Ok(done) = self.rx.try_recv() {
            if let Some(w) = effects::apply(&mut self.app, done) {
                self.runner.execute(w, &self.tx);
            }
        }
        if let Ok(view) =
            tokio::time::timeout(Duration::from_millis(20), self.runner.guard_changed()).await
        {
            if let Some(w) = effects::apply(&mut self.app, Done::Write(WriteDone::Guard(view))) {
                self.runner.execute(w, &self.tx);
            }
        }
        self.refresh();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }

    async fn until(&mut self, what: &str, done: impl Fn(&Harness) -> bool) {
        let start = Instant::now();
        loop {
            self.turn().await;
            if done(self) {
                return;
            }
            assert!(
                start.elapsed() < T,
                "timed out waiting for {what}; flash: {:?}; panels: {}",
                self.app.flash,
                self.app.write.panels.len()
            );
        }
    }

    fn select(&mut self, name: &str) {
        self.keys("g");
        let pos = self
            .app
            .view()
            .visible
            .iter()
            .position(|i| self.data.deployments[*i].row.name == name)
            .unwrap_or_else(|| panic!("no deployment {name}"));
        self.keys(&"j".repeat(pos));
    }

    fn deployment(&self, name: &str) -> Arc<Deployment> {
        self.data
            .deployments
            .iter()
            .find(|d| d.row.name == name)
            .map(|d| Arc::clone(&d.obj))
            .unwrap()
    }

    fn image(&self, name: &str) -> String {
        image_of(&self.deployment(name))
    }

    fn confirm_open(&self) -> bool {
        matches!(self.app.write.top(), Some(Panel::Confirm(c)) if *c.panel.phase() == Phase::Asking)
    }

    fn confirm_done(&self) -> Option<(bool, String)> {
        match self.app.write.top() {
            Some(Panel::Confirm(c)) => match c.panel.phase() {
                Phase::Done { ok, message, .. } => Some((*ok, message.clone())),
                _ => None,
            },
            _ => None,
        }
    }

    /// Confirms the open confirm panel and waits for the result.
    async fn confirm(&mut self) -> (bool, String) {
        self.until("the confirm panel", |h| h.confirm_open()).await;
        self.keys("y");
        self.until("the result", |h| h.confirm_done().is_some())
            .await;
        self.confirm_done().unwrap()
    }

    fn journal(&self) -> Vec<Entry> {
        read_journal(&self.journal, 1000).unwrap().entries
    }

    async fn stop(mut self) {
        self.runner.shutdown("test over");
        if let Some(d) = self.demo.take() {
            d.shutdown().await;
        }
    }
}

fn with_tag(image: &str, tag: &str) -> String {
    let repo = image.rsplit_once(':').map_or(image, |(r, _)| r);
    format!("{repo}:{tag}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_image_rolls_out_and_history_rolls_it_back() {
    let mut h = Harness::start(None, false).await;
    h.select("api");
    let before = h.image("api");
    let new = with_tag(&before, "9.9.9");
    h.keys("u");
    assert!(matches!(h.app.write.top(), Some(Panel::Rollout(_))));
    h.keys(&"\u{8}".repeat(before.len() + 5));
    h.keys(&new);
    h.keys("\n");
    let (ok, msg) = h.confirm().await;
    assert!(ok, "{msg}");
    assert!(h.app.flash.as_ref().unwrap().text.starts_with("✓ "));
    h.until("the rollout of the new image", |h| {
        let d = h.deployment("api");
        image_of(&d) == new && rollout_status(&d).done
    })
    .await;
    assert_eq!(
        rollout_status(&h.deployment("api")).message,
        "deployment \"api\" successfully rolled out"
    );
    // Back to the table, then history: U rolls back to the previous revision.
    h.keys("\n\u{1b}h");
    assert!(matches!(h.app.write.top(), Some(Panel::History(_))));
    h.keys("U");
    let (ok, msg) = h.confirm().await;
    assert!(ok, "{msg}");
    h.until("the rollback", |h| {
        let d = h.deployment("api");
        image_of(&d) == before && rollout_status(&d).done
    })
    .await;
    let journal = h.journal();
    let applied: Vec<&str> = journal
        .iter()
        .filter(|e| e.outcome == Outcome::Applied && e.ok())
        .map(|e| e.action.as_str())
        .collect();
    assert!(applied.contains(&"set image"), "{journal:?}");
    assert!(
        applied.iter().any(|a| a.starts_with("rollback")),
        "{journal:?}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_refuses_before_any_request() {
    let mut h = Harness::start(None, true).await;
    h.select("api");
    let rv = h.deployment("api").metadata.resource_version.clone();
    for keys in ["r", "z"] {
        h.keys(keys);
        let flash = h.app.flash.clone().unwrap();
        assert!(flash.error && flash.text.contains("read-only"), "{flash:?}");
    }
    h.keys("u");
    h.ctrl('r');
    for _ in 0..20 {
        h.turn().await;
    }
    assert_eq!(h.deployment("api").metadata.resource_version, rv);
    assert!(h.journal().is_empty(), "no request, so nothing to journal");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_user_sees_actions_disabled_and_the_servers_reason() {
    let mut h = Harness::start(Some(RESTRICTED_CONTEXT), false).await;
    h.select("api");
    h.keys("u");
    h.until("the permission answer", |h| match h.app.write.top() {
        Some(Panel::Rollout(p)) => p.view().disabled.is_some(),
        _ => false,
    })
    .await;
    let Some(Panel::Rollout(p)) = h.app.write.top() else {
        panic!()
    };
    let why = p.view().disabled.unwrap();
    assert!(why.contains("demo-restricted may not patch"), "{why}");
    // r skips the panel: the gate itself refuses with the reason.
    h.keys("\u{1b}r");
    h.until("the refusal", |h| {
        h.app
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("forbidden"))
    })
    .await;
    let flash = h.app.flash.clone().unwrap();
    assert!(
        flash.error && flash.text.contains("demo-restricted"),
        "{flash:?}"
    );
    let journal = h.journal();
    assert!(
        journal
            .iter()
            .any(|e| e.outcome == Outcome::Refused && e.result.contains("forbidden")),
        "{journal:?}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_change_gives_a_conflict_and_r_reloads_and_retries() {
    let mut h = Harness::start(None, false).await;
    h.select("worker");
    let start = h
        .deployment("worker")
        .spec
        .as_ref()
        .unwrap()
        .replicas
        .unwrap();
    let (theirs, ours) = (start + 1, start + 3);
    h.keys("s");
    h.keys(&"\u{8}".repeat(6));
    h.keys(&format!("{ours}\n"));
    h.until("the confirm panel", |h| h.confirm_open()).await;
    // Someone else scales it while the operator reads the preview.
    let api: Api<Deployment> = Api::namespaced(h.client.clone(), "shop");
    api.patch(
        "worker",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": theirs}})),
    )
    .await
    .unwrap();
    h.keys("y");
    h.until("the result", |h| h.confirm_done().is_some()).await;
    let (ok, msg) = h.confirm_done().unwrap();
    assert!(!ok && msg.contains("conflict"), "{msg}");
    assert!(msg.contains("/spec/replicas"), "{msg}");
    assert_eq!(
        api.get("worker").await.unwrap().spec.unwrap().replicas,
        Some(theirs),
        "nothing of the conflicting change was applied"
    );
    h.keys("r");
    let (ok, msg) = h.confirm().await;
    assert!(ok, "{msg}");
    assert_eq!(
        api.get("worker").await.unwrap().spec.unwrap().replicas,
        Some(ours)
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guarded_rollout_to_a_crashing_image_is_rolled_back_by_itself() {
    let mut h = Harness::start(None, false).await;
    h.select("api");
    let before = h.image("api");
    let bad = with_tag(&before, "9.9-crash");
    h.keys("u");
    h.keys(&"\u{8}".repeat(before.len() + 5));
    h.keys(&bad);
    h.ctrl('g');
    h.keys("\n");
    h.until("the confirm panel", |h| h.confirm_open()).await;
    h.keys("y");
    h.until("the guard to start", |h| {
        matches!(h.app.write.top(), Some(Panel::Guard(_))) && h.app.write.guard.is_some()
    })
    .await;
    h.until("the guard's verdict", |h| {
        h.app
            .write
            .guard
            .as_ref()
            .is_some_and(|g| g.state.finished())
    })
    .await;
    let g = h.app.write.guard.clone().unwrap();
    assert_eq!(g.state, GuardState::RolledBack, "{g:?}");
    let reason = g.reason.clone().unwrap();
    assert!(
        reason.contains("crash") || reason.contains("restarted") || reason.contains("not ready"),
        "{reason}"
    );
    let flash = h.app.flash.clone().unwrap();
    assert!(flash.text.contains("guard rolled back"), "{flash:?}");
    h.until("the old image back", |h| {
        let d = h.deployment("api");
        image_of(&d) == before && rollout_status(&d).done
    })
    .await;
    let journal = h.journal();
    assert!(
        journal.iter().any(|e| e.action.starts_with("auto rollback")
            && e.ok()
            && e.note.as_deref().is_some_and(|n| n.starts_with("guard: "))),
        "{journal:?}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blue_green_prepare_switch_and_switch_back() {
    let mut h = Harness::start(None, false).await;
    let services: Api<Service> = Api::namespaced(h.client.clone(), "shop");
    if services.get("frontend").await.is_err() {
        eprintln!("SKIPPED: the demo cluster does not serve the frontend Service yet");
        h.stop().await;
        return;
    }
    h.until("services and slices", |h| {
        !h.data.services.is_empty() && !h.data.endpointslices.is_empty()
    })
    .await;
    h.select("frontend-blue");
    h.keys("b");
    let Some(Panel::BlueGreen(p)) = h.app.write.top() else {
        panic!("no blue-green panel: {:?}", h.app.flash)
    };
    let model = p.view().model;
    let active = model.active.clone();
    let idle = model
        .slots
        .iter()
        .find(|s| !s.active)
        .map(|s| s.value.clone())
        .unwrap();
    let active_image = model.slot(&active).unwrap().images[0].clone();
    // Prepare the idle slot with the active slot's image (the panel's
    // starting point), then switch to it once it is fully available.
    h.keys("p\n");
    let (ok, msg) = h.confirm().await;
    assert!(ok, "prepare: {msg}");
    h.keys("\n");
    h.until("the idle slot ready", |h| match h.app.write.top() {
        Some(Panel::BlueGreen(p)) => p
            .view()
            .model
            .slot(&idle)
            .is_some_and(|s| s.fully_available && s.images[0] == active_image),
        _ => false,
    })
    .await;
    h.keys("s");
    let (ok, msg) = h.confirm().await;
    assert!(ok, "switch: {msg}");
    h.keys("\n");
    h.until("the verification", |h| match h.app.write.top() {
        Some(Panel::BlueGreen(p)) => p.view().verification.is_some(),
        _ => false,
    })
    .await;
    let Some(Panel::BlueGreen(p)) = h.app.write.top() else {
        panic!()
    };
    let (sentence, verified) = p.view().verification.unwrap();
    assert!(verified, "{sentence}");
    assert_eq!(p.view().model.active, idle);
    h.keys("b");
    let (ok, msg) = h.confirm().await;
    assert!(ok, "switch back: {msg}");
    h.keys("\n");
    h.until("the old slot active again", |h| match h.app.write.top() {
        Some(Panel::BlueGreen(p)) => p.view().model.active == active,
        _ => false,
    })
    .await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_in_the_guard_panel_cancels_the_guard_and_undoes_nothing() {
    let mut h = Harness::start(None, false).await;
    h.select("api");
    let before = h.image("api");
    // Healthy but slow to get ready: the guard is still watching.
    let slow = with_tag(&before, "9.9-slow");
    h.keys("u");
    h.keys(&"\u{8}".repeat(before.len() + 5));
    h.keys(&slow);
    h.ctrl('g');
    h.keys("\n");
    h.until("the confirm panel", |h| h.confirm_open()).await;
    // A guarded change: the guard's countdown takes the confirm's place.
    h.keys("y");
    h.until("the guard watching", |h| {
        h.app
            .write
            .guard
            .as_ref()
            .is_some_and(|g| g.state == GuardState::Watching && g.observation != "starting")
    })
    .await;
    // The fields show the object again, not what was typed.
    h.keys("c");
    h.until("the guard stopped", |h| {
        h.app
            .write
            .guard
            .as_ref()
            .is_some_and(|g| g.state == GuardState::Cancelled)
    })
    .await;
    assert!(h.app.flash.as_ref().unwrap().text.contains("guard stopped"));
    assert_eq!(h.image("api"), slow, "cancelling undoes nothing");
    h.keys("\u{1b}");
    let Some(Panel::Rollout(p)) = h.app.write.top() else {
        panic!("the rolling update panel is under the guard's")
    };
    assert_eq!(
        p.view().fields[0].text,
        slow,
        "fields re-read after the apply"
    );
    let journal = h.journal();
    assert!(
        journal
            .iter()
            .any(|e| e.action == "guard" && e.result == "cancelled"),
        "{journal:?}"
    );
    h.stop().await;
}
