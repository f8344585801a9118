#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Delete a pod, the first verb that is not a patch, against the demo
//! cluster: through the app (ctrl-d → preview → y → dry run → delete →
//! journal), and through the gate's own request for the dry run and the
//! preconditions. Data comes from real watchers, as in the app.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::core::v1::Pod;
use kube::{Api, Client};
use serde_json::json;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

use kockpit::app::data::Data;
use kockpit::app::effects::{self, Done};
use kockpit::app::state::{App, ClusterInfo};
use kockpit::app::update::{key_to_msg, update, Effect};
use kockpit::app::write::Panel;
use kockpit::app::write_runner::WriteRunner;
use kockpit::cluster::ops::journal::{read_journal, JOURNAL_FILE};
use kockpit::cluster::ops::{plan, send, Entry, Gate, Identity, Journal, OpError, OpRequest};
use kockpit::cluster::ops::{Outcome, Planned};
use kockpit::cluster::watch::Scope;
use kockpit::cluster::{connect, ConnectOptions, Watchers};
use kockpit::config::keymap::Keymap;
use kockpit::demo::{DemoCluster, DemoOptions};
use kockpit::model::cached::Pod as CachedPod;
use kockpit::model::pairs::DEFAULT_SLOT_KEYS;
use kockpit::model::verbs::Verb;
use kockpit::ui::panels::confirm::Phase;

const T: Duration = Duration::from_secs(90);
const RESTRICTED_CONTEXT: &str = "kockpit-demo-restricted";

struct Harness {
    demo: Option<DemoCluster>,
    client: Client,
    kubeconfig: PathBuf,
    context: String,
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
            kubeconfig,
            context: conn.context.clone(),
            watchers,
            data: Data::default(),
            app,
            runner,
            tx,
            rx,
            journal: journal_path,
            _dir: dir,
        };
        h.until("the first lists with api's pods running", |h| {
            h.watchers.all_synced() && h.api_pods().len() >= 2
        })
        .await;
        h.keys("3");
        h
    }

    fn refresh(&mut self) {
        for kind in self.watchers.changes.take() {
            self.data.refresh(kind, &self.watchers.stores);
        }
        self.app.refresh_visible(&self.data);
    }

    fn key(&mut self, ev: KeyEvent) {
        if let Some(msg) = key_to_msg(&self.app, &Keymap::builtin(), &ev) {
            if let Effect::Write(w) = update(&mut self.app, &self.data, msg) {
                self.runner.execute(w, &self.tx);
            }
        }
    }

    fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\u{1b}' => KeyCode::Esc,
                c => KeyCode::Char(c),
            };
            self.key(KeyEvent::new(code, KeyModifiers::NONE));
        }
    }

    fn ctrl(&mut self, c: char) {
        self.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    }

    async fn turn(&mut self) {
        while let Ok(done) = self.rx.try_recv() {
            if let Some(w) = effects::apply(&mut self.app, done) {
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

    /// Running pods of the api Deployment, not being deleted.
    fn api_pods(&self) -> Vec<Arc<CachedPod>> {
        self.data
            .pods
            .iter()
            .filter(|p| p.row.name.starts_with("api-") && p.row.status == "Running")
            .filter(|p| p.obj.metadata.deletion_timestamp.is_none())
            .map(|p| Arc::clone(&p.obj))
            .collect()
    }

    fn select_pod(&mut self, name: &str) {
        self.keys("g");
        let pos = self
            .app
            .view()
            .visible
            .iter()
            .position(|i| self.data.pods[*i].row.name == name)
            .unwrap_or_else(|| panic!("no pod {name}"));
        self.keys(&"j".repeat(pos));
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

fn name_of(p: &CachedPod) -> String {
    p.metadata.name.clone().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_d_previews_deletes_journals_and_the_replicaset_recreates_it() {
    let mut h = Harness::start(None, false).await;
    let pods = h.api_pods();
    let victim = name_of(&pods[0]);
    let count = pods.len();
    h.select_pod(&victim);
    h.ctrl('d');
    h.until("the confirm panel", |h| {
        matches!(h.app.write.top(), Some(Panel::Confirm(c)) if *c.panel.phase() == Phase::Asking)
    })
    .await;
    let Some(Panel::Confirm(c)) = h.app.write.top() else {
        panic!()
    };
    let view = c.panel.view();
    assert_eq!(view.title, format!("delete pod shop/{victim}"));
    assert!(
        view.warnings[0].starts_with("owned by ReplicaSet api-")
            && view.warnings[0].ends_with(": it will be recreated"),
        "{:?}",
        view.warnings
    );
    assert!(
        view.warnings[1].starts_with("grace period "),
        "{:?}",
        view.warnings
    );
    assert_eq!(
        view.sections[0].title,
        format!("Pod shop/{victim} · delete")
    );
    h.keys("y");
    h.until("the result", |h| match h.app.write.top() {
        Some(Panel::Confirm(c)) => matches!(c.panel.phase(), Phase::Done { .. }),
        _ => false,
    })
    .await;
    let Some(Panel::Confirm(c)) = h.app.write.top() else {
        panic!()
    };
    let Phase::Done { ok, message, .. } = c.panel.phase() else {
        panic!()
    };
    assert!(ok, "{message}");
    assert!(message.contains(&format!("pod shop/{victim}")), "{message}");
    h.until("the pod gone and a new one in its place", |h| {
        let now = h.api_pods();
        h.data.pods.iter().all(|p| p.row.name != victim) && now.len() == count
    })
    .await;
    let journal = h.journal();
    let e = journal
        .iter()
        .find(|e| e.object == format!("Pod/{victim}"))
        .unwrap_or_else(|| panic!("{journal:?}"));
    assert_eq!(
        (e.action.as_str(), e.outcome, e.ok()),
        ("delete", Outcome::Applied, true)
    );
    assert!(e.after.starts_with("deleted, grace period"), "{e:?}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dry_run_changes_nothing_and_a_stale_read_is_a_conflict() {
    let h = Harness::start(None, false).await;
    let pod = h.api_pods()[0].clone();
    let name = name_of(&pod);
    let identity = Identity::load(Some(&h.kubeconfig), &h.context);
    let gate = Gate::new(h.client.clone(), identity, false, None);
    let req = OpRequest::Verb {
        verb: Verb::DeletePod,
        namespace: "shop".into(),
        name: name.clone(),
    };
    let Planned::Ready(prepared) = plan(&gate, &req, &[]).await.unwrap() else {
        panic!("expected a plan")
    };
    let change = &prepared.plan.changes[0];
    send::once(gate.fetch(), change, true).await.unwrap();
    let api: Api<Pod> = Api::namespaced(h.client.clone(), "shop");
    let still = api.get(&name).await.unwrap();
    assert_eq!(still.metadata.uid, pod.metadata.uid);
    assert!(still.metadata.deletion_timestamp.is_none());
    // The preconditions reach the server: a stale resourceVersion or another
    // pod's uid is a 409, even in a dry run.
    let mut stale = change.clone();
    stale.before["metadata"]["resourceVersion"] = json!("1");
    let e = send::once(gate.fetch(), &stale, true).await.unwrap_err();
    assert!(
        matches!(&e, OpError::Conflict(m) if m.contains("ResourceVersion in precondition")),
        "{e}"
    );
    let mut other = change.clone();
    other.before["metadata"]["uid"] = json!("someone-else");
    let e = send::once(gate.fetch(), &other, true).await.unwrap_err();
    assert!(
        matches!(&e, OpError::Conflict(m) if m.contains("UID")),
        "{e}"
    );
    assert!(api
        .get(&name)
        .await
        .unwrap()
        .metadata
        .deletion_timestamp
        .is_none());
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_refuses_before_any_request() {
    let mut h = Harness::start(None, true).await;
    let victim = name_of(&h.api_pods()[0]);
    h.select_pod(&victim);
    h.ctrl('d');
    let flash = h.app.flash.clone().unwrap();
    assert!(flash.error && flash.text.contains("read-only"), "{flash:?}");
    for _ in 0..20 {
        h.turn().await;
    }
    assert!(h.api_pods().iter().any(|p| name_of(p) == victim));
    assert!(h.journal().is_empty(), "no request, so nothing to journal");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_restricted_user_is_refused_with_the_servers_reason_and_journaled() {
    let mut h = Harness::start(Some(RESTRICTED_CONTEXT), false).await;
    let victim = name_of(&h.api_pods()[0]);
    h.select_pod(&victim);
    h.ctrl('d');
    h.until("the refusal", |h| {
        h.app
            .flash
            .as_ref()
            .is_some_and(|f| f.text.contains("forbidden"))
    })
    .await;
    let flash = h.app.flash.clone().unwrap();
    assert!(
        flash.error && flash.text.contains("demo-restricted may not delete pods"),
        "{flash:?}"
    );
    let journal = h.journal();
    assert!(
        journal.iter().any(|e| e.outcome == Outcome::Refused
            && e.object == format!("Pod/{victim}")
            && e.result.contains("forbidden")),
        "{journal:?}"
    );
    assert!(h.api_pods().iter().any(|p| name_of(p) == victim));
    h.stop().await;
}
