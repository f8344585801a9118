#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Full-screen snapshots of every screen, drawn from fixture objects with a
//! pinned clock (so ages are stable), plus key-handling walks through the
//! pure update function.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::apps::v1::Deployment;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kockpit::app::data::Data;
use kockpit::app::effects::{self, Done};
use kockpit::app::reveal::SecretValue;
use kockpit::app::state::{App, ClusterInfo, Kind, Mode, ObjKey, Screen};
use kockpit::app::update::{key_to_msg, update, Effect};
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::model::cached::Pod;
use kockpit::ui::frame::{self, table_rows_for_height, Liveness};

const W: u16 = 120;
const H: u16 = 16;

fn fixtures() -> Data {
    let v: serde_json::Value = serde_json::from_str(include_str!("fixtures/shop.json")).unwrap();
    let deployments: Vec<Deployment> = serde_json::from_value(v["deployments"].clone()).unwrap();
    let pods: Vec<Pod> = serde_json::from_value(v["pods"].clone()).unwrap();
    let events = serde_json::from_value(v["events"].clone()).unwrap();
    let rss = serde_json::from_value(v["replicasets"].clone()).unwrap();
    let hpas = serde_json::from_value(v["hpas"].clone()).unwrap();
    Data::from_objects(deployments, pods)
        .with_events(events)
        .with_replicasets(rss)
        .with_hpas(hpas, now())
}

fn now() -> DateTime<Utc> {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

fn app(data: &Data) -> App {
    let info = ClusterInfo {
        context: "kockpit-demo".into(),
        contexts: vec!["kockpit-demo".into()],
        server_version: "v1.34.0".into(),
        readonly: false,
    };
    let mut app = App::new(info, Some("shop".into()), "shop".into());
    app.page_rows = table_rows_for_height(H);
    app.term_width = W;
    app.refresh_visible(data);
    // Tests start on the deployments table; the overview has its own test.
    press(&mut app, data, "2");
    app
}

fn screen(app: &mut App, data: &Data) -> String {
    screen_sized(app, data, W, H)
}

fn screen_sized(app: &mut App, data: &Data, w: u16, h: u16) -> String {
    app.page_rows = table_rows_for_height(h);
    app.term_width = w;
    let rows = app.page_rows;
    app.view_mut().scroll_into_view(rows);
    let model = frame::build(app, data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    format!("{}", term.backend())
}

fn press(app: &mut App, data: &Data, keys: &str) -> Vec<Effect> {
    let km = Keymap::builtin();
    let mut effects = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            '\u{8}' => KeyCode::Backspace,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        if let Some(msg) = key_to_msg(app, &km, &KeyEvent::new(code, KeyModifiers::NONE)) {
            effects.push(update(app, data, msg));
        }
    }
    effects
}

#[test]
fn deployments_screen() {
    let data = fixtures();
    let mut app = app(&data);
    insta::assert_snapshot!(screen(&mut app, &data));
}

#[test]
fn pods_screen() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3");
    assert_eq!(app.view().screen, Screen::List(Kind::Pods));
    insta::assert_snapshot!(screen(&mut app, &data));
}

#[test]
fn help_screen_lists_the_keymap() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "?");
    let text = screen(&mut app, &data);
    assert!(text.contains("quit"), "{text}");
    insta::assert_snapshot!(text);
    press(&mut app, &data, "\u{1b}");
    assert!(!app.help);
}

#[test]
fn enter_on_a_deployment_shows_its_pods_and_esc_goes_back() {
    let data = fixtures();
    let mut app = app(&data);
    // Rows sort by name: api, frontend-blue, worker.
    press(&mut app, &data, "jj\n");
    assert_eq!(app.view().screen, Screen::List(Kind::Pods));
    assert_eq!(app.view().visible.len(), 3, "worker has three pods");
    let text = screen(&mut app, &data);
    assert!(text.contains("pods(deploy/worker)[3]"), "{text}");
    assert!(!text.contains("api-7d9f"), "{text}");
    press(&mut app, &data, "\u{1b}");
    assert_eq!(app.view().screen, Screen::List(Kind::Deployments));
    assert_eq!(app.view().selected, 2, "selection kept on worker");
}

#[test]
fn filter_regex_inverse_and_labels() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3/crash\n");
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.view().visible.len(), 1);
    press(&mut app, &data, "/!api\n");
    assert_eq!(app.view().visible.len(), 5);
    press(&mut app, &data, "/-l slot=blue\n");
    assert_eq!(app.view().visible.len(), 2);
    let text = screen(&mut app, &data);
    assert!(text.contains("</-l slot=blue>"), "{text}");
    press(&mut app, &data, "\u{1b}");
    assert_eq!(app.view().visible.len(), 8, "esc clears the filter");
}

#[test]
fn bad_regex_keeps_the_last_good_filter_and_says_why() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3/work");
    assert_eq!(app.view().visible.len(), 3);
    press(&mut app, &data, "(");
    assert_eq!(app.view().visible.len(), 3);
    let text = screen(&mut app, &data);
    assert!(text.contains("/work("), "{text}");
    assert!(app
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("bad filter regex")));
}

#[test]
fn command_mode_switches_views_completes_and_rescopes() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":po\n");
    assert_eq!(app.view().screen, Screen::List(Kind::Pods));
    press(&mut app, &data, ":dep\t");
    assert_eq!(app.input, "deploy ");
    press(&mut app, &data, "\n");
    assert_eq!(app.view().screen, Screen::List(Kind::Deployments));
    let effects = press(&mut app, &data, ":ns kube-system\n");
    assert_eq!(
        effects.last(),
        Some(&Effect::Rescope(Some("kube-system".into())))
    );
    let effects = press(&mut app, &data, "0");
    assert_eq!(effects.last(), Some(&Effect::Rescope(None)));
    press(&mut app, &data, ":ns Bad_Name\n");
    assert!(app.flash.as_ref().is_some_and(|f| f.error));
    press(&mut app, &data, ":nonsense\n");
    assert!(app
        .flash
        .as_ref()
        .is_some_and(|f| f.text.contains("unknown command")));
    press(&mut app, &data, ":q\n");
    assert!(app.quit);
}

#[test]
fn sorting_by_restarts_puts_the_crashlooping_pod_last_then_first() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3ooo");
    assert_eq!(app.view().sort.column, 4, "RESTARTS");
    let last = *app.view().visible.last().unwrap();
    assert_eq!(data.pods[last].row.name, "worker-6c8d7e9f1-zzzzz");
    press(&mut app, &data, "O");
    let first = app.view().visible[0];
    assert_eq!(data.pods[first].row.name, "worker-6c8d7e9f1-zzzzz");
}

#[test]
fn moving_past_the_ends_is_clamped_and_pages_scroll() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "kkk");
    assert_eq!(app.view().selected, 0);
    press(&mut app, &data, "G");
    assert_eq!(app.view().selected, 2);
    press(&mut app, &data, "3G");
    assert_eq!(app.view().selected, 7);
    app.page_rows = 3;
    app.view_mut().scroll_into_view(3);
    assert_eq!(app.view().offset, 5);
    press(&mut app, &data, "g");
    app.view_mut().scroll_into_view(3);
    assert_eq!(app.view().offset, 0);
}

#[test]
fn stale_data_is_announced_in_the_header() {
    let data = fixtures();
    let app = app(&data);
    let stale = Liveness::Stale {
        reason: "connection refused".into(),
        last_update_secs: Some(12),
    };
    let model = frame::build(&app, &data, &Keymap::builtin(), stale, now(), None);
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    let text = format!("{}", term.backend());
    assert!(
        text.contains("STALE: reconnecting, last update 12s ago"),
        "{text}"
    );
}

#[test]
fn crashlooping_rows_use_the_failed_colour() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3");
    let model = frame::build(&app, &data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    let theme = Theme::builtin();
    term.draw(|f| kockpit::ui::draw(f, &model, &theme)).unwrap();
    let buf = term.backend().buffer();
    let row = (0..H)
        .find(|y| {
            (0..W)
                .map(|x| buf[(x, *y)].symbol())
                .collect::<String>()
                .contains("CrashLoopBackOff")
        })
        .unwrap();
    let x = (0..W).find(|x| buf[(*x, row)].symbol() == "w").unwrap();
    assert_eq!(buf[(x, row)].fg, theme.failed().fg.unwrap());
}

#[test]
fn overview_screen() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "1");
    assert_eq!(app.view().screen, Screen::Overview);
    let text = screen_sized(&mut app, &data, W, 30);
    assert!(text.contains("CrashLoopBackOff 1"), "{text}");
    assert!(text.contains("FailedScheduling"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn events_screen_lists_warnings_first() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "5");
    let text = screen(&mut app, &data);
    let first = text.lines().nth(3).unwrap();
    assert!(first.contains("FailedScheduling"), "{text}");
    insta::assert_snapshot!(text);
    // Enter jumps to the pod the event is about.
    press(&mut app, &data, "\n");
    assert_eq!(
        app.view().screen,
        Screen::Detail(Kind::Pods, ObjKey::new("shop", "worker-6c8d7e9f1-new01"))
    );
}

#[test]
fn pod_detail_masks_secrets_and_reveals_one_key_at_a_time() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "3\n");
    assert_eq!(
        app.view().screen,
        Screen::Detail(Kind::Pods, ObjKey::new("shop", "api-7d9f8b6c5d-abcde"))
    );
    let text = screen_sized(&mut app, &data, W, 30);
    assert!(text.contains("db [password] = ••••••••"), "{text}");
    assert!(text.contains("api-config"), "{text}");
    insta::assert_snapshot!(text);

    let effects = press(&mut app, &data, "x");
    assert_eq!(
        effects,
        vec![Effect::RevealSecret(
            ObjKey::new("shop", "db"),
            "password".into()
        )]
    );
    app.clock = Some(now());
    effects::apply(
        &mut app,
        Done::SecretValue(
            ObjKey::new("shop", "db"),
            "password".into(),
            Ok(SecretValue {
                value: "hunter2".into(),
                resource_version: Some("1".into()),
            }),
        ),
    );
    let text = screen_sized(&mut app, &data, W, 30);
    assert!(
        text.contains("db [password] = hunter2  (hidden in 30s)"),
        "{text}"
    );
    assert!(text.contains("db [username] = ••••••••"), "{text}");

    // Moving to the next key and revealing it hides the first.
    let effects = press(&mut app, &data, "jx");
    assert_eq!(
        effects.last(),
        Some(&Effect::RevealSecret(
            ObjKey::new("shop", "db"),
            "username".into()
        ))
    );
    assert!(app.revealed.is_none());
    let text = screen_sized(&mut app, &data, W, 30);
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn deployment_detail_shows_the_rollout_tree_and_its_events() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "d");
    assert_eq!(
        app.view().screen,
        Screen::Detail(Kind::Deployments, ObjKey::new("shop", "api"))
    );
    let text = screen_sized(&mut app, &data, W, 32);
    assert!(text.contains("api-7d9f8b6c5d"), "{text}");
    assert!(text.contains("api-7d9f8b6c5d-abcde"), "{text}");
    assert!(
        text.contains("Scaled up replica set api-7d9f8b6c5d from 2 to 3"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn logs_keys_become_log_commands_and_esc_leaves() {
    use kockpit::app::update::LogCmd;
    let data = fixtures();
    let mut app = app(&data);
    let effects = press(&mut app, &data, "l");
    match effects.last() {
        Some(Effect::OpenLogs(r)) => {
            assert_eq!(r.label, "deploy/api");
            assert_eq!(r.selector.as_deref(), Some("app=api"));
        }
        other => panic!("expected OpenLogs, got {other:?}"),
    }
    assert_eq!(app.view().screen, Screen::Logs);
    assert_eq!(
        press(&mut app, &data, "f"),
        vec![Effect::Log(LogCmd::TogglePause)]
    );
    assert_eq!(
        press(&mut app, &data, "k"),
        vec![Effect::Log(LogCmd::ScrollUp(1))]
    );
    assert_eq!(
        press(&mut app, &data, "/error\n").last(),
        Some(&Effect::Log(LogCmd::Filter("error".into())))
    );
    assert_eq!(
        press(&mut app, &data, ":since 5m\n").last(),
        Some(&Effect::Log(LogCmd::Since(300)))
    );
    press(&mut app, &data, ":since soon\n");
    assert!(app.flash.as_ref().is_some_and(|f| f.error));
    press(&mut app, &data, "\u{1b}");
    assert_eq!(app.view().screen, Screen::List(Kind::Deployments));
}

#[test]
fn hpa_table_shows_every_metric_and_the_chart_opens() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "4");
    let text = screen(&mut app, &data);
    assert!(text.contains("Deployment/api"), "{text}");
    assert!(text.contains("cpu: 85%/60%"), "{text}");
    assert!(text.contains("requests_per_second: 140/100"), "{text}");
    assert!(!text.contains("<unknown>"), "{text}");
    insta::assert_snapshot!(text);
    press(&mut app, &data, "\n");
    assert_eq!(
        app.view().screen,
        Screen::Detail(Kind::Hpas, ObjKey::new("shop", "api"))
    );
    let text = screen_sized(&mut app, &data, W, 32);
    assert!(text.contains("TooManyReplicas"), "{text}");
}

#[test]
fn ctx_lists_and_switches_contexts_without_restart() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":ctx\n");
    assert!(app
        .flash
        .as_ref()
        .is_some_and(|f| f.text.contains("[kockpit-demo]")));
    press(&mut app, &data, ":ctx nope\n");
    assert!(app.flash.as_ref().is_some_and(|f| f.error));
    let effects = press(&mut app, &data, ":ctx kockpit-demo\n");
    assert_eq!(
        effects.last(),
        Some(&Effect::SwitchContext("kockpit-demo".into()))
    );
}

// ---- The write side in the app: panels over screens, keys to effects ----

mod write_side {
    use std::sync::Arc;

    use super::*;
    use kockpit::app::write::{Panel, PermQuery, WriteDone, WriteEffect};
    use kockpit::cluster::ops::journal::JournalRead;
    use kockpit::cluster::ops::{
        rollout, Applied, Entry, GuardBudget, GuardState, GuardView, OpError, OpRequest, Outcome,
        Permission, Planned, Prepared,
    };
    use kockpit::ui::frame::FrameModel;
    use kockpit::ui::overlay::Overlay;

    const TALL: u16 = 34;

    fn key(app: &mut App, data: &Data, ev: KeyEvent) -> Effect {
        let msg = key_to_msg(app, &Keymap::builtin(), &ev).expect("a message");
        update(app, data, msg)
    }

    fn ctrl(app: &mut App, data: &Data, c: char) -> Effect {
        key(
            app,
            data,
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
        )
    }

    /// The write app over the fixtures, with the panels' clock pinned.
    fn write_app(data: &Data, readonly: bool) -> App {
        let mut app = app(data);
        app.cluster.readonly = readonly;
        app.write.clock = Some(now());
        app.write.journal_path = "/home/op/.local/state/kockpit/journal.jsonl".into();
        app
    }

    fn tall(app: &mut App, data: &Data) -> String {
        screen_sized(app, data, W, TALL)
    }

    fn model(app: &App, data: &Data) -> FrameModel {
        frame::build(app, data, &Keymap::builtin(), Liveness::Live, now(), None)
    }

    fn deployment(data: &Data, name: &str) -> Deployment {
        (*data
            .deployments
            .iter()
            .find(|d| d.row.name == name)
            .unwrap()
            .obj)
            .clone()
    }

    /// The shop fixtures plus the green frontend and the Service that
    /// makes blue and green a pair.
    fn with_pair() -> Data {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("fixtures/shop.json")).unwrap();
        let mut deployments: Vec<Deployment> =
            serde_json::from_value(v["deployments"].clone()).unwrap();
        let mut green = deployments
            .iter()
            .find(|d| d.metadata.name.as_deref() == Some("frontend-blue"))
            .unwrap()
            .clone();
        let mut g = serde_json::to_value(&green).unwrap();
        g["metadata"]["name"] = "frontend-green".into();
        g["metadata"]["uid"] = "uid-frontend-green".into();
        g["spec"]["selector"]["matchLabels"]["slot"] = "green".into();
        g["spec"]["template"]["metadata"]["labels"]["slot"] = "green".into();
        g["spec"]["template"]["spec"]["containers"][0]["image"] =
            "ghcr.io/shop/frontend:2.1.0".into();
        // Green is still starting: not fully available.
        g["status"] = serde_json::json!({"observedGeneration": g["metadata"]["generation"],
            "replicas": 2, "updatedReplicas": 2, "readyReplicas": 0, "availableReplicas": 0});
        green = serde_json::from_value(g).unwrap();
        deployments.push(green);
        let pods: Vec<Pod> = serde_json::from_value(v["pods"].clone()).unwrap();
        let mut data = Data::from_objects(deployments, pods)
            .with_replicasets(serde_json::from_value(v["replicasets"].clone()).unwrap());
        data.services = vec![Arc::new(
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": "frontend", "namespace": "shop"},
                "spec": {"selector": {"app": "frontend", "slot": "blue"},
                    "ports": [{"port": 80}]}
            }))
            .unwrap(),
        )];
        data
    }

    fn prepared_set_image(data: &Data) -> Prepared {
        let d = deployment(data, "api");
        let plan = rollout::set_image(
            &d,
            &[("api".into(), "ghcr.io/shop/api:1.5.0".into())],
            Some("api 1.5.0"),
        )
        .unwrap();
        Prepared::new(plan)
    }

    fn guard_budget() -> GuardBudget {
        GuardBudget {
            time: std::time::Duration::from_secs(300),
            ..GuardBudget::default()
        }
    }

    #[test]
    fn u_opens_the_rolling_update_panel_over_the_deployments() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        let effect = press(&mut app, &data, "u").pop().unwrap();
        assert_eq!(
            effect,
            Effect::Write(WriteEffect::CheckPermissions(vec![PermQuery {
                verb: "patch",
                group: "apps",
                resource: "deployments",
                namespace: "shop".into()
            }]))
        );
        assert!(matches!(app.write.top(), Some(Panel::Rollout(_))));
        let text = tall(&mut app, &data);
        assert!(text.contains("rollout · shop/api"), "{text}");
        assert!(text.contains("ghcr.io/shop/api:1.4.2"), "{text}");
        // The table stays visible around the panel.
        assert!(text.contains("deployments(shop)"), "{text}");
        insta::assert_snapshot!(text);
        // Esc closes the panel and the keymap works again.
        press(&mut app, &data, "\u{1b}");
        assert!(app.write.panels.is_empty());
        press(&mut app, &data, "j");
        assert_eq!(app.view().selected, 1);
    }

    #[test]
    fn set_image_asks_for_a_plan_and_the_plan_opens_the_confirm_panel() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        press(&mut app, &data, "u");
        press(&mut app, &data, &"\u{8}".repeat(40));
        press(&mut app, &data, "ghcr.io/shop/api:1.5.0");
        let effect = press(&mut app, &data, "\n").pop().unwrap();
        let Effect::Write(WriteEffect::Plan { seq, request }) = effect else {
            panic!("expected a plan, got {effect:?}");
        };
        assert_eq!(
            request,
            OpRequest::SetImages {
                namespace: "shop".into(),
                deployment: "api".into(),
                images: vec![("api".into(), "ghcr.io/shop/api:1.5.0".into())],
                change_cause: None,
            }
        );
        assert!(app
            .flash
            .as_ref()
            .unwrap()
            .text
            .contains("checking permission"));

        // A plan for an older request is ignored.
        let stale = effects::apply(
            &mut app,
            Done::Write(WriteDone::Planned(
                seq + 7,
                Ok(Planned::Ready(Box::new(prepared_set_image(&data)))),
            )),
        );
        assert!(stale.is_none());
        assert!(matches!(app.write.top(), Some(Panel::Rollout(_))));

        effects::apply(
            &mut app,
            Done::Write(WriteDone::Planned(
                seq,
                Ok(Planned::Ready(Box::new(prepared_set_image(&data)))),
            )),
        );
        assert!(matches!(app.write.top(), Some(Panel::Confirm(_))));
        let text = tall(&mut app, &data);
        assert!(text.contains("ghcr.io/shop/api:1.5.0"), "{text}");
        insta::assert_snapshot!(text);

        // y → dry run and apply; the result is the status line.
        let effect = press(&mut app, &data, "y").pop().unwrap();
        let Effect::Write(WriteEffect::Apply { seq: s2, prepared }) = effect else {
            panic!("expected apply, got {effect:?}");
        };
        assert_eq!(
            (s2, prepared.plan.changes[0].action.as_str()),
            (seq, "set image")
        );
        let follow = effects::apply(
            &mut app,
            Done::Write(WriteDone::Applied(
                seq,
                Ok(Applied {
                    objects: vec![],
                    message: "set image: applied to deployment shop/api".into(),
                    warnings: vec![],
                }),
            )),
        );
        assert!(follow.is_none(), "not guarded: nothing follows");
        let flash = app.flash.clone().unwrap();
        assert!(
            !flash.error && flash.text.starts_with("✓ set image"),
            "{flash:?}"
        );
        let text = tall(&mut app, &data);
        assert!(
            text.contains("✓ set image: applied to deployment shop/api"),
            "{text}"
        );
        // Enter closes the confirm panel, back to the rollout panel.
        press(&mut app, &data, "\n");
        assert!(matches!(app.write.top(), Some(Panel::Rollout(_))));
    }

    #[test]
    fn a_conflict_is_one_line_and_r_reloads_and_retries() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        let effect = press(&mut app, &data, "r").pop().unwrap();
        let Effect::Write(WriteEffect::Plan { seq, request }) = effect else {
            panic!("{effect:?}")
        };
        assert_eq!(request.action(), "restart");
        let plan = rollout::restart(&deployment(&data, "api"), now()).unwrap();
        effects::apply(
            &mut app,
            Done::Write(WriteDone::Planned(
                seq,
                Ok(Planned::Ready(Box::new(Prepared::new(plan)))),
            )),
        );
        press(&mut app, &data, "y");
        effects::apply(
            &mut app,
            Done::Write(WriteDone::Applied(
                seq,
                Err(OpError::Conflict(
                    "the object has been modified; changed since the preview: /spec/replicas"
                        .into(),
                )),
            )),
        );
        let flash = app.flash.clone().unwrap();
        assert!(flash.error, "{flash:?}");
        assert!(
            flash
                .text
                .contains("conflict: the object has been modified"),
            "{flash:?}"
        );
        assert!(flash.text.contains("reloads and retries"), "{flash:?}");
        let text = tall(&mut app, &data);
        assert!(text.contains("/spec/replicas"), "{text}");
        let effect = press(&mut app, &data, "r").pop().unwrap();
        assert!(
            matches!(&effect, Effect::Write(WriteEffect::Plan { seq: s, request: OpRequest::Restart { .. } }) if *s > seq),
            "{effect:?}"
        );
        assert!(
            app.write.panels.is_empty(),
            "the stale confirm panel is gone"
        );
    }

    #[test]
    fn cancelling_at_the_confirm_step_is_journaled_and_sends_nothing() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        let Effect::Write(WriteEffect::Plan { seq, .. }) =
            press(&mut app, &data, "z").pop().unwrap()
        else {
            panic!()
        };
        let plan = rollout::pause(&deployment(&data, "api")).unwrap();
        effects::apply(
            &mut app,
            Done::Write(WriteDone::Planned(
                seq,
                Ok(Planned::Ready(Box::new(Prepared::new(plan)))),
            )),
        );
        let effect = press(&mut app, &data, "n").pop().unwrap();
        assert!(
            matches!(effect, Effect::Write(WriteEffect::Cancelled(_))),
            "{effect:?}"
        );
        assert!(app.write.panels.is_empty());
        assert!(app.flash.unwrap().text.contains("nothing was changed"));
    }

    #[test]
    fn readonly_refuses_every_change_before_any_request() {
        let data = fixtures();
        let mut app = write_app(&data, true);
        for keys in ["r", "z"] {
            let effects = press(&mut app, &data, keys);
            assert_eq!(effects, vec![Effect::None], "{keys}");
            let flash = app.flash.clone().unwrap();
            assert!(flash.error && flash.text.contains("read-only"), "{flash:?}");
            assert!(flash.text.contains("nothing was sent"), "{flash:?}");
        }
        // Panels open (to look) with every action disabled, and no
        // permission question is even asked.
        assert_eq!(press(&mut app, &data, "u"), vec![Effect::None]);
        let text = tall(&mut app, &data);
        assert!(
            text.contains("disabled: read-only mode (--readonly)"),
            "{text}"
        );
        assert!(text.contains("[read-only]"), "{text}");
        insta::assert_snapshot!(text);
        assert_eq!(ctrl(&mut app, &data, 'r'), Effect::None);
        press(&mut app, &data, "\u{1b}h");
        assert!(matches!(app.write.top(), Some(Panel::History(_))));
        assert_eq!(press(&mut app, &data, "U"), vec![Effect::None]);
        let Some(Overlay::History(h)) = model(&app, &data).overlay else {
            panic!()
        };
        assert!(h.message.unwrap().0.contains("read-only"));
    }

    #[test]
    fn a_denied_permission_disables_the_panel_with_the_reason() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        let Effect::Write(WriteEffect::CheckPermissions(qs)) =
            press(&mut app, &data, "h").pop().unwrap()
        else {
            panic!()
        };
        let why = "viewer may not patch deployments.apps in namespace \"shop\"";
        effects::apply(
            &mut app,
            Done::Write(WriteDone::Permission(
                qs[0].clone(),
                Permission::Denied(why.into()),
            )),
        );
        let text = tall(&mut app, &data);
        assert!(text.contains(why), "{text}");
        assert_eq!(press(&mut app, &data, "U"), vec![Effect::None]);
        let Some(Overlay::History(h)) = model(&app, &data).overlay else {
            panic!()
        };
        assert!(h
            .message
            .unwrap()
            .0
            .starts_with("not allowed: viewer may not"));
        // A panel opened later knows at once.
        press(&mut app, &data, "\u{1b}u");
        let Some(Overlay::Rollout(r)) = model(&app, &data).overlay else {
            panic!()
        };
        assert_eq!(r.disabled.as_deref(), Some(why));
    }

    #[test]
    fn h_shows_history_and_rolls_back_to_the_previous_revision() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        press(&mut app, &data, "h");
        let text = tall(&mut app, &data);
        assert!(text.contains("bump api to 1.4.2"), "{text}");
        assert!(text.contains("initial"), "{text}");
        insta::assert_snapshot!(text);
        // The diff of revision 1 against the current template.
        press(&mut app, &data, "j\n");
        let text = tall(&mut app, &data);
        assert!(text.contains("ghcr.io/shop/api:1.4.2"), "{text}");
        press(&mut app, &data, "\u{1b}");
        let effect = press(&mut app, &data, "U").pop().unwrap();
        assert!(
            matches!(
                &effect,
                Effect::Write(WriteEffect::Plan {
                    request: OpRequest::Rollback { to_revision: 0, .. },
                    ..
                })
            ),
            "{effect:?}"
        );
        let effect = press(&mut app, &data, "u").pop().unwrap();
        assert!(
            matches!(
                &effect,
                Effect::Write(WriteEffect::Plan {
                    request: OpRequest::Rollback { to_revision: 1, .. },
                    ..
                })
            ),
            "{effect:?}"
        );
    }

    #[test]
    fn b_opens_the_blue_green_panel_of_the_pair() {
        let data = with_pair();
        let mut app = write_app(&data, false);
        // api is not in a pair.
        assert_eq!(press(&mut app, &data, "b"), vec![Effect::None]);
        assert!(app
            .flash
            .as_ref()
            .unwrap()
            .text
            .contains("not part of a blue-green pair"));
        press(&mut app, &data, "j");
        let effect = press(&mut app, &data, "b").pop().unwrap();
        let Effect::Write(WriteEffect::CheckPermissions(qs)) = effect else {
            panic!("{effect:?}")
        };
        assert_eq!(qs.len(), 2, "services and deployments");
        let text = tall(&mut app, &data);
        assert!(text.contains("blue-green · shop/frontend (slot)"), "{text}");
        assert!(text.contains("ghcr.io/shop/frontend:2.1.0"), "{text}");
        insta::assert_snapshot!(text);
        // Green is selected (idle) but not available: refused unless forced.
        press(&mut app, &data, "s");
        let Some(Overlay::BlueGreen(v)) = model(&app, &data).overlay else {
            panic!()
        };
        assert!(v.message.unwrap().0.contains("press S to force"));
        let effect = press(&mut app, &data, "S").pop().unwrap();
        assert!(
            matches!(&effect, Effect::Write(WriteEffect::Plan { request: OpRequest::Switch { force: true, to, .. }, .. }) if to == "green"),
            "{effect:?}"
        );
    }

    #[test]
    fn a_guarded_apply_starts_the_guard_and_its_countdown_stays_in_the_header() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        press(&mut app, &data, "u");
        press(&mut app, &data, &"\u{8}".repeat(40));
        press(&mut app, &data, "ghcr.io/shop/api:1.5-crash");
        ctrl(&mut app, &data, 'g');
        let Effect::Write(WriteEffect::Plan { seq, .. }) =
            press(&mut app, &data, "\n").pop().unwrap()
        else {
            panic!()
        };
        let d = deployment(&data, "api");
        let plan = rollout::set_image(
            &d,
            &[("api".into(), "ghcr.io/shop/api:1.5-crash".into())],
            None,
        )
        .unwrap();
        assert!(plan.guard.is_some());
        effects::apply(
            &mut app,
            Done::Write(WriteDone::Planned(
                seq,
                Ok(Planned::Ready(Box::new(Prepared::new(plan)))),
            )),
        );
        let text = tall(&mut app, &data);
        assert!(
            text.contains("guarded: kockpit watches the new pods"),
            "{text}"
        );
        press(&mut app, &data, "y");
        let follow = effects::apply(
            &mut app,
            Done::Write(WriteDone::Applied(
                seq,
                Ok(Applied {
                    objects: vec![],
                    message: "set image: applied to deployment shop/api".into(),
                    warnings: vec![],
                }),
            )),
        )
        .unwrap();
        let WriteEffect::AfterApply {
            guard: Some((target, budget)),
            verify: None,
        } = follow
        else {
            panic!("{follow:?}")
        };
        assert_eq!(budget, guard_budget());
        assert!(
            format!("{target:?}").contains("rollback_to: 2"),
            "{target:?}"
        );
        assert!(matches!(app.write.top(), Some(Panel::Guard(_))));

        let watching = GuardView {
            title: "guarding the rollout of shop/api".into(),
            state: GuardState::Watching,
            seconds_left: 287,
            budget_seconds: 300,
            reason: None,
            observation: "Waiting for deployment \"api\" rollout to finish: 1 out of 3 new replicas have been updated...".into(),
            result: None,
        };
        effects::apply(&mut app, Done::Write(WriteDone::Guard(watching.clone())));
        let text = tall(&mut app, &data);
        assert!(text.contains("4m47s left of 5m"), "{text}");
        insta::assert_snapshot!("guard_watching", text);
        // c asks the runner to cancel.
        assert_eq!(
            press(&mut app, &data, "c"),
            vec![Effect::Write(WriteEffect::CancelGuard)]
        );
        // Hidden, the countdown stays in the header while navigating.
        press(&mut app, &data, "\u{1b}\u{1b}3");
        assert_eq!(app.view().screen, Screen::List(Kind::Pods));
        let text = screen(&mut app, &data);
        assert!(
            text.contains("⛨ the rollout of shop/api: 4m47s left (ctrl-g)"),
            "{text}"
        );

        // The guard acts: the screen says why, even with no panel open.
        let rolled_back = GuardView {
            state: GuardState::RolledBack,
            reason: Some("pod api-6b7c-x1 is crash-looping (container api, 2 restarts)".into()),
            result: Some("auto rollback: applied to deployment shop/api".into()),
            ..watching
        };
        effects::apply(&mut app, Done::Write(WriteDone::Guard(rolled_back)));
        assert!(matches!(app.write.top(), Some(Panel::Guard(_))));
        let flash = app.flash.clone().unwrap();
        assert!(
            flash.error
                && flash
                    .text
                    .contains("guard rolled back: pod api-6b7c-x1 is crash-looping"),
            "{flash:?}"
        );
        let text = tall(&mut app, &data);
        assert!(
            text.contains("⛨ the rollout of shop/api: rolled back"),
            "{text}"
        );
        insta::assert_snapshot!("guard_rolled_back", text);
        // ctrl-g brings the guard back after closing it.
        press(&mut app, &data, "\u{1b}");
        assert!(app.write.panels.is_empty());
        ctrl(&mut app, &data, 'g');
        assert!(matches!(app.write.top(), Some(Panel::Guard(_))));
    }

    #[test]
    fn journal_command_reads_the_journal_and_shows_it() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        let effect = press(&mut app, &data, ":journal\n").pop().unwrap();
        assert_eq!(effect, Effect::Write(WriteEffect::ReadJournal));
        let entry = |minute: u32, action: &str, outcome: Outcome, result: &str| Entry {
            time: format!("2026-01-01T11:{minute:02}:00Z").parse().unwrap(),
            user: "alice".into(),
            context: "kockpit-demo".into(),
            namespace: "shop".into(),
            object: "Deployment/api".into(),
            action: action.into(),
            before: "image api=ghcr.io/shop/api:1.4.2".into(),
            after: "image api=ghcr.io/shop/api:1.5-crash".into(),
            outcome,
            result: result.into(),
            note: None,
        };
        effects::apply(
            &mut app,
            Done::Write(WriteDone::Journal(Ok(JournalRead {
                entries: vec![
                    entry(50, "auto rollback to revision 2", Outcome::Applied, "ok"),
                    entry(45, "set image", Outcome::Applied, "ok"),
                    entry(
                        40,
                        "scale",
                        Outcome::Refused,
                        "read-only mode: kockpit was started with --readonly",
                    ),
                ],
                unreadable_lines: 0,
            }))),
        );
        let text = tall(&mut app, &data);
        assert!(
            text.contains("journal · /home/op/.local/state/kockpit/journal.jsonl"),
            "{text}"
        );
        assert!(text.contains("auto rollback"), "{text}");
        insta::assert_snapshot!(text);
        assert_eq!(
            press(&mut app, &data, "r"),
            vec![Effect::Write(WriteEffect::ReadJournal)]
        );
    }

    #[test]
    fn s_focuses_replicas_and_bad_counts_never_leave_the_panel() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        press(&mut app, &data, "s");
        for bad in ["-3", "1000000", "many"] {
            press(&mut app, &data, &"\u{8}".repeat(10));
            press(&mut app, &data, bad);
            assert_eq!(press(&mut app, &data, "\n"), vec![Effect::None], "{bad}");
        }
        press(&mut app, &data, &"\u{8}".repeat(10));
        press(&mut app, &data, "5");
        let effect = press(&mut app, &data, "\n").pop().unwrap();
        assert!(
            matches!(&effect, Effect::Write(WriteEffect::Plan { request: OpRequest::Scale { replicas, .. }, .. }) if replicas == "5"),
            "{effect:?}"
        );
    }

    #[test]
    fn the_frame_model_changes_with_the_panel_so_redraw_on_change_works() {
        let data = fixtures();
        let mut app = write_app(&data, false);
        press(&mut app, &data, "u");
        let before = model(&app, &data);
        press(&mut app, &data, "x");
        let after = model(&app, &data);
        assert_ne!(before, after, "typing in a panel must redraw");
        assert_eq!(after, model(&app, &data), "nothing changed: no redraw");
        let _ = Prepared::new(rollout::pause(&deployment(&data, "api")).unwrap());
    }
}

/// `--as`: every screen says whose permissions it runs with, next to the
/// context, so an impersonated session never looks like the operator's own.
#[test]
fn impersonation_is_shown_next_to_the_context() {
    let data = fixtures();
    let mut app = app(&data);
    app.impersonating = Some("demo-restricted (groups: ops)".into());
    let shown = screen(&mut app, &data);
    let header = shown.lines().next().unwrap_or_default().to_string();
    assert!(
        header.contains("ctx:kockpit-demo as demo-restricted (groups: ops)"),
        "{header}"
    );
    press(&mut app, &data, "3");
    let shown = screen(&mut app, &data);
    assert!(shown.contains("as demo-restricted"), "{shown}");
}
