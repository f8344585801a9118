//! Keeps the map true: reads the `use crate::` / `crate::x::` / `super::`
//! edges of every file under src/ and fails on an edge that points up the
//! layer order below, on one between two peers of a layer, or on a cycle
//! between modules anywhere (src/demo/ included).
//!
//! Data flows cluster I/O → cached model → derived views → app → ui. Imports
//! follow that flow backwards from the screen, except at its source: the
//! cluster layer fills the cached model and calls the pure model functions
//! (rollout status, verbs, log buffers), so in import order it sits above
//! the whole model and under the app.

#[path = "layering/edges.rs"]
mod edges;
#[path = "layering/rules.rs"]
mod rules;

use std::path::Path;

use rules::{Allowed, Layer};

/// The layer order, written once, bottom first.
const LAYERS: &[Layer] = &[
    // The cockpit.
    Layer {
        name: "cached model",
        modules: &["model::cached", "model::sanitize"],
        on: &[],
    },
    Layer {
        name: "derived views",
        modules: &["model"],
        on: &["cached model"],
    },
    // The build's own facts (version, commit): no imports at all.
    Layer {
        name: "build",
        modules: &["build_info"],
        on: &[],
    },
    // What the keymaps name and `update` carries out.
    Layer {
        name: "actions",
        modules: &["action"],
        on: &[],
    },
    Layer {
        name: "config",
        modules: &["config"],
        on: &["derived views", "actions"],
    },
    Layer {
        name: "cluster I/O",
        modules: &["cluster"],
        on: &["config"],
    },
    Layer {
        name: "app",
        modules: &["app"],
        on: &["cluster I/O"],
    },
    Layer {
        name: "ui",
        modules: &["ui"],
        on: &["app"],
    },
    // The demo cluster: a room of its own, reached only through a
    // kubeconfig. It shares the cockpit's pure model functions and nothing
    // else; nothing in the cockpit imports it.
    Layer {
        name: "demo: vocabulary",
        modules: &[
            "demo::clock",
            "demo::ids",
            "demo::intstr",
            "demo::meta",
            "demo::resources",
        ],
        on: &["derived views"],
    },
    Layer {
        name: "demo: errors",
        modules: &["demo::error"],
        on: &["demo: vocabulary"],
    },
    Layer {
        name: "demo: object rules",
        modules: &["demo::event_view", "demo::patch", "demo::selectors"],
        on: &["demo: errors"],
    },
    Layer {
        name: "demo: store",
        modules: &["demo::store"],
        on: &["demo: object rules"],
    },
    Layer {
        name: "demo: registry",
        modules: &["demo::registry"],
        on: &["demo: store"],
    },
    // What a request is and how it is answered, whoever serves it: the
    // layer server/, authz/ and faults/ share instead of importing each
    // other.
    Layer {
        name: "demo: API",
        modules: &["demo::api"],
        on: &["demo: registry"],
    },
    Layer {
        name: "demo: reporters",
        modules: &["demo::events", "demo::logs", "demo::usage"],
        on: &["demo: registry"],
    },
    Layer {
        name: "demo: controllers",
        modules: &["demo::controllers"],
        on: &["demo: reporters"],
    },
    Layer {
        name: "demo: serving",
        modules: &["demo::authz", "demo::faults", "demo::server"],
        on: &["demo: API", "demo: controllers"],
    },
    Layer {
        name: "demo: set-up",
        modules: &["demo::kubeconfig", "demo::scenarios"],
        on: &["demo: serving"],
    },
    Layer {
        name: "demo",
        modules: &["demo"],
        on: &["demo: set-up"],
    },
    // kockpit's own log file, set up by main.rs.
    Layer {
        name: "logging",
        modules: &["logging"],
        on: &["derived views"],
    },
    // Flags; main.rs (outside the library) starts the cockpit or the demo.
    Layer {
        name: "start-up",
        modules: &["cli"],
        on: &["ui", "demo", "build", "logging"],
    },
];

/// Edges that break the rules today, each with what removes it. The test
/// fails when one of them is gone (or no longer breaks a rule), so this
/// list can only shrink. All of it is the app/ui refactor of #12.
const ALLOWED: &[Allowed] = &[
    // The run loop owns the terminal and draws: it belongs above ui (or ui
    // hands it a draw function), not in app.
    allow("app::run", "ui::draw", RUN_LOOP),
    allow("app::run", "ui::frame", RUN_LOOP),
    allow("app::run", "ui::tui", RUN_LOOP),
    // App holds their state while their functions take the whole App: they
    // become steps of the one update path.
    allow("app::write", "app::state", ONE_UPDATE),
    allow("app::reveal", "app::state", ONE_UPDATE),
];

const RUN_LOOP: &str = "the run loop moves above ui";
const ONE_UPDATE: &str = "every state change goes through update";

const fn allow(from: &'static str, to: &'static str, why: &'static str) -> Allowed {
    Allowed { from, to, why }
}

fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    edges::read_sources(&src).unwrap_or_else(|e| panic!("reading {src:?}: {e}"))
}

#[test]
fn layers_only_point_down_and_modules_form_no_cycle() {
    let problems = rules::check(&edges::read_crate(&sources()), LAYERS, ALLOWED);
    assert!(
        problems.is_empty(),
        "{} layering problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// The checker itself, on the real tree with one thing changed: each of these
// must fail the way a real mistake would.

/// The problems after appending `line` to `file`.
fn problems_with(file: &str, line: &str, allowed: &[Allowed]) -> Vec<String> {
    let mut src = sources();
    let (_, text) = src
        .iter_mut()
        .find(|(f, _)| f == file)
        .unwrap_or_else(|| panic!("{file} is not in src/"));
    text.push_str(line);
    rules::check(&edges::read_crate(&src), LAYERS, allowed)
}

#[test]
fn an_upward_edge_fails() {
    let p = problems_with(
        "src/model/age.rs",
        "\nuse crate::ui::draw::draw;\n",
        ALLOWED,
    );
    assert!(
        p.iter()
            .any(|l| l.contains("model::age -> ui::draw: upward")),
        "{p:#?}"
    );
    // Written as a path in code rather than a `use`, from a test module.
    let p = problems_with(
        "src/cluster/watch.rs",
        "\n#[cfg(test)]\nmod more {\n    fn f() { let _ = crate::app::run::run; }\n}\n",
        ALLOWED,
    );
    assert!(
        p.iter()
            .any(|l| l.contains("cluster::watch -> app::run: upward")),
        "{p:#?}"
    );
}

#[test]
fn an_edge_between_peers_fails() {
    let p = problems_with(
        "src/demo/server/routes.rs",
        "\nuse crate::demo::faults::Faults;\n",
        ALLOWED,
    );
    assert!(
        p.iter()
            .any(|l| l.contains("demo::server and demo::faults are peers")),
        "{p:#?}"
    );
}

#[test]
fn a_cycle_fails() {
    let mut src = sources();
    for (file, line) in [
        ("src/model/age.rs", "\nuse super::quantity::parse;\n"),
        ("src/model/quantity.rs", "\nuse super::age::age;\n"),
    ] {
        if let Some((_, text)) = src.iter_mut().find(|(f, _)| f == file) {
            text.push_str(line);
        }
    }
    let p = rules::check(&edges::read_crate(&src), LAYERS, ALLOWED);
    assert!(
        p.iter()
            .any(|l| l.starts_with("cycle between the modules age, quantity of model")),
        "{p:#?}"
    );
}

#[test]
fn a_module_outside_the_layers_fails() {
    let mut src = sources();
    src.push(("src/scratch.rs".into(), String::new()));
    let p = rules::check(&edges::read_crate(&src), LAYERS, ALLOWED);
    assert!(
        p.iter()
            .any(|l| l.contains("module scratch is in no layer")),
        "{p:#?}"
    );
}

#[test]
fn an_allowance_that_is_no_longer_needed_fails() {
    let gone = allow("model::age", "ui::draw", "a test");
    let fine = allow("ui::draw", "config::theme", "a test");
    let mut allowed: Vec<Allowed> = ALLOWED.iter().map(|a| allow(a.from, a.to, a.why)).collect();
    allowed.extend([gone, fine]);
    let p = rules::check(&edges::read_crate(&sources()), LAYERS, &allowed);
    assert!(
        p.iter()
            .any(|l| l.contains("model::age -> ui::draw (a test) no longer exists")),
        "{p:#?}"
    );
    assert!(
        p.iter()
            .any(|l| l.contains("ui::draw -> config::theme (a test) breaks no rule")),
        "{p:#?}"
    );
}

// Reading paths.

fn edges_of(files: &[(&str, &str)]) -> Vec<String> {
    let src: Vec<(String, String)> = files
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    edges::read_crate(&src)
        .edges
        .iter()
        .map(|e| format!("{} -> {}", edges::show(&e.from), edges::show(&e.to)))
        .collect()
}

#[test]
fn paths_are_read_from_uses_and_code_but_not_from_text() {
    let e = edges_of(&[
        ("src/lib.rs", "pub mod a; pub mod b; pub mod c; pub mod d;"),
        (
            "src/a/mod.rs",
            r##"
            //! See crate::d::X in the docs.
            use crate::{b::{self, Y as Z}, c::*};
            /* crate::d::nested /* twice */ */
            const S: &str = "crate::d::y";
            const R: &str = r#"crate::d::"z""#;
            fn f<'a>(x: &'a str) -> char { let _ = b::g(); '"' }
            pub mod inner;
            "##,
        ),
        (
            "src/a/inner.rs",
            "fn g() { super::super::b::h(); }\nmod tests { use super::*; }",
        ),
        ("src/b.rs", ""),
        ("src/c.rs", ""),
        ("src/d.rs", ""),
    ]);
    assert_eq!(e, ["a -> b", "a -> c", "a::inner -> b"]);
}

#[test]
fn super_in_a_test_module_is_the_file_and_reexports_are_followed() {
    let e = edges_of(&[
        ("src/lib.rs", "pub mod m; pub mod n;"),
        ("src/m/mod.rs", "mod x; mod y; pub use y::Thing;"),
        (
            "src/m/x.rs",
            "#[cfg(test)]\nmod tests { use super::super::Thing; }",
        ),
        ("src/m/y.rs", "pub struct Thing;"),
        ("src/n.rs", "fn f() { let _ = crate::m::Thing; }"),
    ]);
    assert_eq!(e, ["m -> m::y", "m::x -> m::y", "n -> m::y"]);
}
