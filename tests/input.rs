#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Typing into kockpit's prompts, through the pure update function: the `/`
//! filter anchors on the name column, and a burst of input (a paste, a
//! stuck key) is capped and costs one re-filter, not one per character.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::apps::v1::Deployment;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

use kockpit::app::data::Data;
use kockpit::app::state::{App, ClusterInfo, Kind, Mode, Screen};
use kockpit::app::update::{key_to_msg, settle, update, update_deferred, Msg};
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
    Data::from_objects(deployments, pods).with_events(events)
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
    app
}

fn press(app: &mut App, data: &Data, keys: &str) {
    let km = Keymap::builtin();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            '\u{8}' => KeyCode::Backspace,
            c => KeyCode::Char(c),
        };
        if let Some(msg) = key_to_msg(app, &km, &KeyEvent::new(code, KeyModifiers::NONE)) {
            update(app, data, msg);
        }
    }
}

fn screen(app: &App, data: &Data) -> String {
    let model = frame::build(app, data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(W, H)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    format!("{}", term.backend())
}

/// Names of the rows the current table shows, in order.
fn shown(app: &App, data: &Data) -> Vec<String> {
    let view = app.view();
    view.visible
        .iter()
        .map(|i| match view.screen {
            Screen::List(Kind::Deployments) => data.deployments[*i].row.name.clone(),
            Screen::List(Kind::Pods) => data.pods[*i].row.name.clone(),
            Screen::List(Kind::Events) => data.events[*i].row.object_name.clone(),
            _ => unreachable!(),
        })
        .collect()
}

#[test]
fn the_filter_anchors_on_the_name_column() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "2/^worker\n");
    assert_eq!(shown(&app, &data), ["worker"]);
    press(&mut app, &data, "/^FRONT\n");
    assert_eq!(
        shown(&app, &data),
        ["frontend-blue"],
        "still case-insensitive"
    );
    press(&mut app, &data, "/!^api\n");
    assert_eq!(shown(&app, &data), ["frontend-blue", "worker"]);
    // The namespace stays reachable as ns/name, anchored or not.
    press(&mut app, &data, "/^shop/api$\n");
    assert_eq!(
        shown(&app, &data),
        Vec::<String>::new(),
        "$ ends at the text, not the name"
    );
    press(&mut app, &data, "/^shop/w\n");
    assert_eq!(shown(&app, &data), ["worker"]);
    press(&mut app, &data, "/shop/fr\n");
    assert_eq!(shown(&app, &data), ["frontend-blue"]);
    press(&mut app, &data, "/^other/\n");
    assert!(shown(&app, &data).is_empty());

    // Pods: `^` is the pod name, never another column starting the same.
    press(&mut app, &data, "3/^api\n");
    assert_eq!(shown(&app, &data).len(), 3, "{:?}", shown(&app, &data));
    press(&mut app, &data, "/^demo-node\n");
    assert!(shown(&app, &data).is_empty(), "{:?}", shown(&app, &data));
    press(&mut app, &data, "/demo-node-3\n");
    assert_eq!(
        shown(&app, &data).len(),
        2,
        "unanchored still searches every column"
    );

    // Events: the name is the involved object's.
    press(&mut app, &data, "5/^worker\n");
    let names = shown(&app, &data);
    assert!(
        !names.is_empty() && names.iter().all(|n| n.starts_with("worker")),
        "{names:?}"
    );
    press(&mut app, &data, "/^shop/api\n");
    let names = shown(&app, &data);
    assert!(
        !names.is_empty() && names.iter().all(|n| n.starts_with("api")),
        "{names:?}"
    );
}

#[test]
fn a_burst_of_typed_characters_is_capped_with_a_visible_message() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "2/");
    press(&mut app, &data, &"a".repeat(3_000));
    assert_eq!(app.mode, Mode::Filter);
    assert_eq!(
        app.input.chars().count(),
        600,
        "the prompt holds at most 600 characters"
    );
    let text = screen(&app, &data);
    assert!(text.contains("cut at 600 characters"), "{text}");
    // Erasing below the cap retires the message; typing still works.
    press(&mut app, &data, "\u{8}");
    assert_eq!(app.input.chars().count(), 599);
    let km = Keymap::builtin();
    assert!(!screen(&app, &data).contains("cut at"));
    // Ctrl-C still quits from a full prompt.
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let msg = key_to_msg(&app, &km, &ctrl_c).unwrap();
    update(&mut app, &data, msg);
    assert!(app.quit);
}

#[test]
fn the_command_line_is_capped_too() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, ":");
    press(&mut app, &data, &"x".repeat(1_000));
    assert_eq!(app.mode, Mode::Command);
    assert_eq!(app.input.chars().count(), 600);
    assert!(screen(&app, &data).contains("cut at 600 characters"));
}

fn storm(n: usize) -> String {
    // Line breaks too: a pasted newline must not submit anything.
    "abcdefghij\nklmnopqrst\r\n"
        .chars()
        .cycle()
        .take(n)
        .collect()
}

#[test]
fn a_paste_goes_into_the_prompt_as_one_capped_edit() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "2/");
    update(&mut app, &data, Msg::Paste(storm(100_000)));
    assert_eq!(app.mode, Mode::Filter, "the newlines did not submit");
    assert_eq!(app.input.chars().count(), 600);
    assert!(!app.input.contains(['\n', '\r']), "{:?}", &app.input[..40]);
    assert!(screen(&app, &data).contains("cut at 600 characters"));
    // A short paste is applied as typed, filter included.
    press(&mut app, &data, "\u{1b}/");
    update(&mut app, &data, Msg::Paste("^work\n".into()));
    assert_eq!(app.input, "^work");
    assert_eq!(shown(&app, &data), ["worker"]);
}

#[test]
fn a_paste_outside_a_prompt_is_never_taken_as_keys() {
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "2");
    update(&mut app, &data, Msg::Paste("q3\n:quit\n".into()));
    assert!(!app.quit);
    assert_eq!(app.view().screen, Screen::List(Kind::Deployments));
    assert_eq!(app.mode, Mode::Normal);
    assert!(screen(&app, &data).contains("paste ignored"));
}

#[test]
fn a_burst_is_filtered_once_and_ends_as_typing_would() {
    let data = fixtures();
    let mut typed = app(&data);
    press(&mut typed, &data, "2/fr|^wor");
    let mut burst = app(&data);
    press(&mut burst, &data, "2/");
    for c in "fr|^wor".chars() {
        update_deferred(&mut burst, &data, Msg::Char(c));
    }
    assert_eq!(shown(&burst, &data).len(), 3, "not filtered per character");
    settle(&mut burst, &data);
    assert_eq!(shown(&burst, &data), ["frontend-blue", "worker"]);
    assert_eq!(shown(&burst, &data), shown(&typed, &data));
    assert_eq!(burst.input, typed.input);
    // A bad regex at the end of a burst is reported as when typed; the
    // filter kept is the last one shown (here, the one before the burst).
    update_deferred(&mut burst, &data, Msg::Char('('));
    settle(&mut burst, &data);
    assert!(burst
        .flash
        .as_ref()
        .is_some_and(|f| f.error && f.text.contains("bad filter regex")));
    assert_eq!(shown(&burst, &data), ["frontend-blue", "worker"]);

    // Anything but an edit sees the rows as typing would have left them.
    let mut burst = app(&data);
    press(&mut burst, &data, "2/");
    for c in "^work".chars() {
        update_deferred(&mut burst, &data, Msg::Char(c));
    }
    update_deferred(&mut burst, &data, Msg::Submit);
    assert_eq!(shown(&burst, &data), ["worker"]);
}

#[test]
fn panels_take_a_paste_in_their_field_and_a_confirmation_refuses_it() {
    use kockpit::app::effects::{self, Done};
    use kockpit::app::update::Effect;
    use kockpit::app::write::{Panel, WriteDone, WriteEffect};
    use kockpit::cluster::ops::{rollout, Planned, Prepared};
    let data = fixtures();
    let mut app = app(&data);
    press(&mut app, &data, "2u");
    assert!(matches!(app.write.top(), Some(Panel::Rollout(_))));
    let image = |app: &App| match app.write.top() {
        Some(Panel::Rollout(p)) => p.view().fields[0].text.clone(),
        _ => unreachable!(),
    };
    let before = image(&app);
    update(&mut app, &data, Msg::Paste("-rc1\nq".into()));
    assert_eq!(
        image(&app),
        format!("{before}-rc1 q"),
        "one line, keys not acted on"
    );
    assert!(matches!(app.write.top(), Some(Panel::Rollout(_))));
    update(&mut app, &data, Msg::Paste(storm(100_000)));
    assert_eq!(image(&app).chars().count(), 600);
    let text = tall_screen(&app, &data);
    assert!(text.contains("cut at 600 characters"), "{text}");

    // Typing past the cap says so too.
    let mut app = self::app(&data);
    press(&mut app, &data, "2u");
    press(&mut app, &data, &"x".repeat(700));
    assert_eq!(image(&app).chars().count(), 600);
    assert!(tall_screen(&app, &data).contains("cut at 600 characters"));

    // A confirmation is typed or answered, never pasted: a pasted "y"
    // confirms nothing.
    let mut app = self::app(&data);
    press(&mut app, &data, "2u");
    press(&mut app, &data, &"\u{8}".repeat(40));
    press(&mut app, &data, "ghcr.io/shop/api:1.5.0");
    let km = Keymap::builtin();
    let enter = key_to_msg(
        &app,
        &km,
        &KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
    )
    .unwrap();
    let Effect::Write(WriteEffect::Plan { seq, .. }) = update(&mut app, &data, enter) else {
        panic!("expected a plan");
    };
    let d = data
        .deployments
        .iter()
        .find(|d| d.row.name == "api")
        .unwrap();
    let plan = rollout::set_image(
        &d.obj,
        &[("api".into(), "ghcr.io/shop/api:1.5.0".into())],
        None,
    )
    .unwrap();
    let ready = Ok(Planned::Ready(Box::new(Prepared::new(plan))));
    effects::apply(&mut app, Done::Write(WriteDone::Planned(seq, ready)));
    assert!(matches!(app.write.top(), Some(Panel::Confirm(_))));
    assert_eq!(
        update(&mut app, &data, Msg::Paste("y\n".into())),
        Effect::None
    );
    assert!(matches!(app.write.top(), Some(Panel::Confirm(_))));
    assert!(tall_screen(&app, &data).contains("a paste is not taken here"));
}

fn tall_screen(app: &App, data: &Data) -> String {
    let model = frame::build(app, data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(W, 34)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    format!("{}", term.backend())
}
