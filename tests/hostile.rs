#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Hostile bytes from the cluster (names, labels, annotations, images,
//! event messages, container states, HPA metrics, log lines) must never
//! reach the terminal as control sequences, and must not make the screen
//! drift. Objects go through the same intake as the watchers and log bytes
//! through the same splitter and parser as the log streams; every screen is
//! drawn with the real crossterm backend into a byte buffer, and those bytes
//! are played into a small terminal emulator that advances the cursor the
//! way a wcwidth terminal (xterm, tmux, VTE) does, one code point at a time.
//! What the emulator shows must be exactly what ratatui meant to draw.

use std::os::unix::fs::PermissionsExt;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Event;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::Terminal;
use serde_json::json;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use kockpit::app::data::Data;
use kockpit::app::state::{App, ClusterInfo};
use kockpit::app::update::{key_to_msg, update};
use kockpit::cluster::intake::Intake;
use kockpit::cluster::kinds::statefulset::StatefulSets;
use kockpit::config::keymap::Keymap;
use kockpit::config::theme::Theme;
use kockpit::model::cached::Pod;
use kockpit::model::logs::split::{to_line, LineSplitter};
use kockpit::model::logs::{log_view, LogBuffer, LogFilter};
use kockpit::ui::frame::{self, table_rows_for_height, Liveness};

/// The corpus of the security reference, plus text that is harmless to a
/// terminal but easy to mis-measure (wide, zero-width, combining, bidi).
const CORPUS: &[&str] = &[
    "\u{1b}[2J",
    "\u{1b}[31m",
    "\u{1b}]0;title\u{7}",
    "\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\",
    "\u{1b}]52;c;aGk=\u{7}",
    "\u{1b}Pq#0;2;0;0;0\u{1b}\\",
    "\u{1b}P...\u{1b}\\",
    "\u{1b}_apc\u{1b}\\\u{1b}^pm\u{1b}\\\u{1b}Xsos\u{1b}\\",
    "\u{9b}31m",
    "\u{9d}0;c1-osc\u{9c}",
    "over\rwrite",
    "back\u{8}space",
    "bell\u{7}",
    "nul\u{0}del\u{7f}",
    "tab\there",
    "new\nline",
    "rtl\u{202e}txt",
    "iso\u{2066}late\u{2069}",
    "zero\u{200b}width\u{feff}",
    "宽字符",
    "e\u{301}\u{301}\u{301}",
    "\u{301}lead",
    "👩\u{200d}💻",
    "☁\u{fe0f}",
    "👍🏽",
    "🇺🇸",
    "1\u{fe0f}\u{20e3}",
    "\u{1100}\u{1161}\u{11a8}",
    "soft\u{ad}hyphen",
    "tag\u{e0041}\u{e007f}",
    "sep\u{2028}\u{2029}",
    "\u{fff9}anno\u{fffb}",
    "ធ\u{17d2}ធ",
    "नमस्ते",
];

fn evil(i: usize) -> String {
    format!("x{}y", CORPUS[i % CORPUS.len()])
}

fn now() -> DateTime<Utc> {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

struct Objects {
    deployments: Vec<Deployment>,
    replicasets: Vec<ReplicaSet>,
    pods: Vec<Pod>,
    events: Vec<Event>,
    hpas: Vec<HorizontalPodAutoscaler>,
    statefulsets: Vec<StatefulSet>,
}

fn objects() -> Objects {
    let mut o = Objects {
        deployments: Vec::new(),
        replicasets: Vec::new(),
        pods: Vec::new(),
        events: Vec::new(),
        hpas: Vec::new(),
        statefulsets: Vec::new(),
    };
    let huge = "h".repeat(1 << 20);
    for i in 0..=CORPUS.len() {
        // One object more than the corpus: a 1 MB name, label and message.
        let (name, e): (String, fn(usize) -> String) = if i == CORPUS.len() {
            (huge.clone(), |_: usize| "h".repeat(1 << 20))
        } else {
            (evil(i), evil)
        };
        let dep = format!("app{i}-{name}");
        let app = format!("a{i}");
        let mut d: Deployment = serde_json::from_value(json!({
            "metadata": {"name": dep, "namespace": "shop", "uid": format!("d{i}"), "generation": 2,
                         "labels": {"app": e(i + 1), e(i): "v"},
                         "annotations": {"kubernetes.io/change-cause": e(i + 2),
                                         "deployment.kubernetes.io/revision": "2", "note": e(i)},
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": app}},
                     "template": {"metadata": {"labels": {"app": app}, "annotations": {"n": e(i)}},
                                  "spec": {"containers": [{"name": e(i), "image": format!("img:{}", e(i + 3)),
                                      "env": [{"name": e(i), "valueFrom": {"configMapKeyRef": {"name": e(i), "key": e(i + 1)}}}]}]}}},
            "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 1, "readyReplicas": 1,
                       "conditions": [{"type": "Progressing", "status": "False", "reason": e(i), "message": e(i + 4)}]}
        }))
        .unwrap();
        d.intake();
        o.deployments.push(d);
        for (rev, hash) in [(1, "old"), (2, "new")] {
            let mut rs: ReplicaSet = serde_json::from_value(json!({
                "metadata": {"name": format!("{dep}-{hash}"), "namespace": "shop", "uid": format!("rs{i}{hash}"),
                             "labels": {"app": app, "pod-template-hash": hash},
                             "annotations": {"deployment.kubernetes.io/revision": rev.to_string(),
                                             "kubernetes.io/change-cause": e(i + rev)},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": dep,
                                                  "uid": format!("d{i}"), "controller": true}],
                             "creationTimestamp": "2026-01-01T00:00:00Z"},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app, "pod-template-hash": hash}},
                         "template": {"metadata": {"labels": {"app": app, "pod-template-hash": hash}},
                                      "spec": {"containers": [{"name": e(i), "image": e(i + rev)}]}}},
                "status": {"replicas": 1, "readyReplicas": 1}
            }))
            .unwrap();
            rs.intake();
            o.replicasets.push(rs);
            let mut p: Pod = serde_json::from_value(json!({
                "metadata": {"name": format!("pod{i}{hash}-{name}"), "namespace": "shop", "uid": format!("p{i}{hash}"),
                             "creationTimestamp": "2026-01-01T00:00:00Z",
                             "labels": {"app": app, "pod-template-hash": hash, "x": e(i)},
                             "annotations": {"a": e(i + 2)},
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{dep}-{hash}"),
                                                  "uid": format!("rs{i}{hash}"), "controller": true}]},
                "spec": {"nodeName": e(i + 5), "containers": [{"name": e(i), "image": e(i + 1),
                         "env": [{"name": "S", "valueFrom": {"secretKeyRef": {"name": e(i), "key": e(i + 1)}}}],
                         "envFrom": [{"configMapRef": {"name": e(i + 2)}}],
                         "volumeMounts": [{"name": e(i), "mountPath": e(i + 3)}]}],
                         "volumes": [{"name": e(i), "secret": {"secretName": e(i + 4), "items": [{"key": e(i), "path": e(i + 1)}]}}]},
                "status": {"phase": "Running", "podIP": e(i + 6), "hostIP": e(i), "reason": e(i + 7), "message": e(i),
                           "conditions": [{"type": "Ready", "status": "False", "reason": e(i), "message": e(i + 1)}],
                           "containerStatuses": [{"name": e(i), "ready": false, "restartCount": 1, "image": e(i), "imageID": "",
                             "state": {"waiting": {"reason": e(i + 8), "message": e(i + 9)}},
                             "lastState": {"terminated": {"exitCode": 1, "reason": e(i + 10), "message": e(i)}}}]}
            }))
            .unwrap();
            p.intake();
            o.pods.push(p);
        }
        let hpa = format!("hpa{i}-{name}");
        let mut h: HorizontalPodAutoscaler = serde_json::from_value(json!({
            "metadata": {"name": hpa, "namespace": "shop", "uid": format!("h{i}"),
                         "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"l": e(i)}},
            "spec": {"minReplicas": 1, "maxReplicas": 5,
                     "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": dep},
                     "metrics": [
                        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
                        {"type": "External", "external": {"metric": {"name": e(i), "selector": {"matchLabels": {"q": e(i + 1)}}},
                                                          "target": {"type": "Value", "value": "30"}}},
                        {"type": "Pods", "pods": {"metric": {"name": e(i + 2)}, "target": {"type": "AverageValue", "averageValue": "1"}}}]},
            "status": {"currentReplicas": 2, "desiredReplicas": 3,
                       "currentMetrics": [
                        {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 70}}},
                        {"type": "External", "external": {"metric": {"name": e(i)}, "current": {"value": "31"}}},
                        {"type": "Pods", "pods": {"metric": {"name": e(i + 2)}, "current": {"averageValue": "2"}}}],
                       "conditions": [{"type": "ScalingActive", "status": "False", "reason": e(i + 3), "message": e(i + 4)}]}
        }))
        .unwrap();
        h.intake();
        o.hpas.push(h);
        for (kind, obj) in [
            ("Pod", format!("pod{i}new-{name}")),
            ("Deployment", dep.clone()),
            ("HorizontalPodAutoscaler", hpa.clone()),
        ] {
            let mut ev: Event = serde_json::from_value(json!({
                "metadata": {"name": format!("ev{i}{kind}"), "namespace": "shop"},
                "involvedObject": {"kind": kind, "name": obj, "namespace": "shop", "fieldPath": e(i)},
                "source": {"component": e(i + 1), "host": e(i + 2)}, "reportingComponent": e(i + 3),
                "type": "Warning", "reason": e(i + 2), "message": e(i + 3), "count": 2,
                "lastTimestamp": "2026-01-01T11:59:00Z"
            }))
            .unwrap();
            ev.intake();
            o.events.push(ev);
        }
        // A StatefulSet per hostile text too: the generic list and detail.
        let mut st: StatefulSet = serde_json::from_value(json!({
            "metadata": {"name": format!("sts{i}-{name}"), "namespace": "shop", "uid": format!("s{i}"),
                         "labels": {"app": e(i + 1)}, "annotations": {"note": e(i)},
                         "creationTimestamp": "2026-01-01T11:00:00Z"},
            "spec": {"replicas": 1, "serviceName": e(i + 2), "selector": {"matchLabels": {"app": app}},
                     "template": {"metadata": {"labels": {"app": app}},
                                  "spec": {"containers": [{"name": e(i), "image": format!("img/{}:1", e(i + 3))}]}}},
            "status": {"replicas": 1, "readyReplicas": 0, "updatedReplicas": 1,
                       "conditions": [{"type": e(i), "status": "False", "message": e(i + 1)}]}
        }))
        .unwrap();
        st.intake();
        o.statefulsets.push(st);
    }
    o
}

fn data() -> Data {
    let o = objects();
    Data::from_objects(o.deployments, o.pods)
        .with_replicasets(o.replicasets)
        .with_events(o.events)
        .with_hpas(o.hpas, now())
        .with::<StatefulSets>(o.statefulsets)
}

/// A log stream as a container would write it, hostile bytes included
/// (invalid UTF-8 and a 1 MB line too), cut into lines by the same
/// splitter the streams use, in small chunks that split escape sequences.
fn log_buffer(data: &Data) -> LogBuffer {
    let mut stream: Vec<u8> = Vec::new();
    for (i, evil) in CORPUS.iter().enumerate() {
        stream.extend_from_slice(format!("2026-01-01T11:59:{:02}Z before", i % 60).as_bytes());
        stream.extend_from_slice(evil.as_bytes());
        stream.extend_from_slice(b"after\n");
    }
    stream.extend_from_slice(b"2026-01-01T11:59:58Z bad\xff\xfe\xc2utf8\n");
    stream.extend_from_slice(b"2026-01-01T11:59:59Z ");
    stream.extend(std::iter::repeat_n(b'm', 1 << 20));
    stream.push(b'\n');

    let mut buf = LogBuffer::new(1000);
    let pods = &data.pods;
    let mut splitter = LineSplitter::default();
    let mut lines = Vec::new();
    for chunk in stream.chunks(7) {
        splitter.feed(chunk, |raw, cut| lines.push((raw.to_vec(), cut)));
    }
    splitter.finish(|raw, cut| lines.push((raw.to_vec(), cut)));
    for (n, (raw, cut)) in lines.iter().enumerate() {
        // Source names are what intake left of hostile pod names.
        let pod = &pods[n % pods.len()].row;
        let src = buf.sources.intern(&pod.name, &evil(n));
        buf.push(to_line(raw, *cut, src));
    }
    buf
}

fn app_at(data: &Data, keys: &str, w: u16, h: u16) -> App {
    let info = ClusterInfo {
        context: "ctx".into(),
        contexts: vec!["ctx".into()],
        server_version: "v1.34.0".into(),
        readonly: false,
    };
    let mut app = App::new(info, Some("shop".into()), "shop".into());
    app.page_rows = table_rows_for_height(h);
    app.term_width = w;
    app.refresh_visible(data);
    let km = Keymap::builtin();
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        if let Some(msg) = key_to_msg(&app, &km, &KeyEvent::new(code, KeyModifiers::NONE)) {
            update(&mut app, data, msg);
        }
    }
    app
}

/// Every screen that shows cluster text, as keys from the overview; the
/// detail screens once for each kind of hostile object.
fn screens() -> Vec<String> {
    let mut keys: Vec<String> = ["", "2", "3", "4", "5", "?", "0", "3l", "2l", "3lt", "3lw"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for i in 0..=CORPUS.len() {
        let down = "j".repeat(i);
        keys.push(format!("2{down}d"));
        keys.push(format!("2{down}\n"));
        keys.push(format!("3{}d", "j".repeat(2 * i)));
        keys.push(format!("4{down}d"));
        keys.push(format!("5{}", "j".repeat(3 * i)));
        keys.push(format!(":sts\n{down}"));
        keys.push(format!(":sts\n{down}\n"));
    }
    keys
}

/// A terminal as far as kockpit's output needs one: cursor moves, colours
/// (ignored), cursor show/hide, and text. Anything else from the program
/// is a failure. Characters advance the cursor by their own wcwidth, as
/// terminals do, not by the width of the grapheme they belong to.
struct Emulator {
    w: u16,
    /// Row-major cells; "" marks the right half of a wide character.
    cells: Vec<Vec<String>>,
    x: u16,
    y: u16,
}

impl Emulator {
    fn new(w: u16, h: u16) -> Self {
        Emulator {
            w,
            cells: vec![vec![" ".to_string(); usize::from(w)]; usize::from(h)],
            x: 0,
            y: 0,
        }
    }

    fn feed(&mut self, bytes: &[u8], screen: &str) {
        let text = std::str::from_utf8(bytes)
            .unwrap_or_else(|e| panic!("{screen}: terminal output is not UTF-8: {e}"));
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                assert_eq!(
                    chars.next(),
                    Some('['),
                    "{screen}: non-CSI escape in output"
                );
                let mut params = String::new();
                let fin = loop {
                    match chars.next() {
                        Some(ch) if ('\u{40}'..='\u{7e}').contains(&ch) => break ch,
                        Some(ch) => params.push(ch),
                        None => panic!("{screen}: unterminated CSI"),
                    }
                };
                match fin {
                    'H' => {
                        let (row, col) = params.split_once(';').unwrap();
                        self.y = row.parse::<u16>().unwrap() - 1;
                        self.x = col.parse::<u16>().unwrap() - 1;
                    }
                    'm' => {}
                    'h' | 'l' if params == "?25" => {}
                    _ => panic!("{screen}: unexpected CSI {params:?}{fin}"),
                }
                continue;
            }
            assert!(!c.is_control(), "{screen}: control character {c:?} written");
            assert!(
                !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}'),
                "{screen}: invisible format character {c:?} written"
            );
            self.print(c, screen);
        }
    }

    fn print(&mut self, c: char, screen: &str) {
        let w = c.width().unwrap_or(0) as u16;
        let (x, y) = (usize::from(self.x), usize::from(self.y));
        let row = &mut self.cells[y];
        if w == 0 {
            // Joins the character before it, as a combining mark does.
            assert!(x > 0, "{screen}: zero-width {c:?} at the start of row {y}");
            let prev = if row[x - 1].is_empty() { x - 2 } else { x - 1 };
            row[prev].push(c);
            return;
        }
        assert!(
            self.x + w <= self.w,
            "{screen}: {c:?} at column {x} of row {y} would wrap"
        );
        // Overwriting half of a wide character blanks its other half.
        if row[x].is_empty() {
            row[x - 1] = " ".into();
        }
        if x + 1 < row.len() && row[x + 1].is_empty() {
            row[x + 1] = " ".into();
        }
        row[x] = c.to_string();
        if w == 2 {
            if x + 2 < row.len() && row[x + 2].is_empty() {
                row[x + 2] = " ".into();
            }
            row[x + 1] = String::new();
        }
        self.x += w;
    }

    fn row(&self, y: usize) -> &[String] {
        &self.cells[y]
    }
}

/// The cells of a row as ratatui means them: a wide symbol's trailing
/// cells are "" since the backend never writes them.
fn intended_row(buf: &Buffer, y: u16) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = 0;
    for x in 0..buf.area.width {
        if skip > 0 {
            out.push(String::new());
            skip -= 1;
            continue;
        }
        let sym = buf[(x, y)].symbol();
        skip = sym.width().saturating_sub(1);
        out.push(sym.to_string());
    }
    out
}

/// The terminal's input, kept where the test can read it between frames.
#[derive(Clone, Default)]
struct Tap(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Tap {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Each character of a row with the column a terminal puts it at: the
/// cell's column plus the widths of the characters before it in the cell.
/// Comparing these, not cells, lets a flag be one cell of two regional
/// indicators for ratatui and two cells for the terminal, as long as every
/// character lands in the same place.
fn placed(cells: &[String]) -> Vec<(usize, char)> {
    let mut out = Vec::new();
    for (x, cell) in cells.iter().enumerate() {
        let mut col = x;
        for c in cell.chars() {
            out.push((col, c));
            col += c.width().unwrap_or(0);
        }
    }
    out
}

fn draw(app: &App, data: &Data, logs: &LogBuffer, w: u16, h: u16) -> frame::FrameModel {
    let view = (app.view().screen == kockpit::app::state::Screen::Logs)
        .then(|| log_view(logs, &app.log_state, h.saturating_sub(2), w));
    frame::build(app, data, &Keymap::builtin(), Liveness::Live, now(), view)
}

#[test]
fn no_control_sequence_from_the_cluster_reaches_the_terminal_nor_drifts_it() {
    let data = data();
    let logs = log_buffer(&data);
    for (w, h) in [(160u16, 40u16), (83, 24)] {
        // One terminal for every screen in turn: ratatui then writes only
        // what changed, which is where stray characters leave ghosts.
        let tap = Tap::default();
        let mut term = Terminal::with_options(
            CrosstermBackend::new(tap.clone()),
            ratatui::TerminalOptions {
                viewport: ratatui::Viewport::Fixed(Rect::new(0, 0, w, h)),
            },
        )
        .unwrap();
        let mut emu = Emulator::new(w, h);
        for keys in screens() {
            let what = format!("{w}x{h} screen {keys:?}");
            let app = app_at(&data, &keys, w, h);
            let model = draw(&app, &data, &logs, w, h);
            let intended = term
                .draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
                .unwrap()
                .buffer
                .clone();
            let bytes = std::mem::take(&mut *tap.0.borrow_mut());
            emu.feed(&bytes, &what);
            for y in 0..h {
                let want = intended_row(&intended, y);
                let got = emu.row(usize::from(y));
                assert_eq!(
                    placed(got),
                    placed(&want),
                    "{what}: row {y} on the terminal is not what was drawn"
                );
                // Each character's own width, as the terminal counts.
                let width: usize = got
                    .iter()
                    .flat_map(|cell| cell.chars())
                    .map(|c| c.width().unwrap_or(0))
                    .sum();
                assert_eq!(width, usize::from(w), "{what}: row {y} drifted");
            }
        }
    }
}

#[test]
fn hostile_names_still_read_as_their_harmless_text() {
    let data = data();
    let app = app_at(&data, "3", 200, 90);
    let model = frame::build(&app, &data, &Keymap::builtin(), Liveness::Live, now(), None);
    let mut term = Terminal::new(TestBackend::new(200, 90)).unwrap();
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    let text = format!("{}", term.backend());
    assert!(text.contains("pod0old-x\u{FFFD}y"), "{text}");
    // A disguised name never reads as a clean one: pod1 is `x\x1b[31my`.
    assert!(
        text.contains("pod1old-x\u{FFFD}y") && !text.contains("pod1old-xy"),
        "{text}"
    );
    assert!(text.contains("pod10old-xover\u{FFFD}writey"), "{text}");
    assert!(text.contains("pod16new-xrtl\u{FFFD}txty"), "{text}");
    assert!(text.contains("pod19new-x宽字符y"), "{text}");

    // The generic list of a kind added by the kinds list: same cleaning.
    let app = app_at(&data, ":sts\n", 200, 90);
    let model = frame::build(&app, &data, &Keymap::builtin(), Liveness::Live, now(), None);
    term.draw(|f| kockpit::ui::draw(f, &model, &Theme::builtin()))
        .unwrap();
    let text = format!("{}", term.backend());
    assert!(text.contains("statefulsets(shop)"), "{text}");
    assert!(
        text.contains("sts0-x\u{FFFD}y") && text.contains("sts16-xrtl\u{FFFD}txty"),
        "{text}"
    );
}

#[test]
fn log_lines_keep_their_harmless_text_and_the_saved_file_is_private_and_plain() {
    let data = data();
    let logs = log_buffer(&data);
    let texts: Vec<&str> = logs.lines().iter().map(|l| l.text.as_str()).collect();
    for want in [
        // A colour goes silently from a log line; every other sequence
        // leaves one mark.
        "beforeafter",
        "before\u{FFFD}after",
        "before\u{FFFD}link\u{FFFD}after",
        "beforeover\u{FFFD}writeafter",
        "beforertl\u{FFFD}txtafter",
        "before宽字符after",
        "bad\u{fffd}\u{fffd}\u{fffd}utf8",
    ] {
        assert!(texts.contains(&want), "{want:?} not in {texts:?}");
    }
    // The 1 MB line is kept, capped and marked.
    assert!(texts
        .iter()
        .any(|t| t.starts_with("mmm") && t.ends_with("[cut]")));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.log");
    let n = kockpit::model::logs::save::save(&path, &logs, &LogFilter::default(), true).unwrap();
    assert_eq!(n, logs.len());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "saved logs must be private");
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.contains(&0x1b), "ESC in the saved file");
    let text = String::from_utf8(bytes).expect("saved file is UTF-8");
    // One header line says which line was cut and how long it was.
    assert_eq!(text.lines().count(), n + 1);
    let header = text.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("# kockpit: 1 line was cut at 8192 characters")
            && header.ends_with(&format!("had {} bytes", (1 << 20) + 21)),
        "{header}"
    );
    for line in text.lines() {
        assert!(
            !line.chars().any(|c| c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "{line:?}"
        );
    }
    assert!(text.contains(" 2026-01-01T11:59:03.000Z before\u{FFFD}link\u{FFFD}after\n"));
}
