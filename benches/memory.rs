//! Heap cost of the cache at scale: 10,000 pods as a real API server sends
//! them (a kwok pod from a 1.34 control plane, `tests/fixtures/pod-kwok.json`)
//! parsed into the cache's slim pod (`model::cached`) and taken in, plus the
//! rows the pods screen derives from them. The same pods parsed into
//! k8s-openapi's `Pod` are measured alongside, for comparison.
//!
//! Not a criterion bench: memory is a count, not a timing. A counting
//! allocator measures live heap bytes, which is what the resident-memory
//! target is made of (RSS adds the allocator's slack and the binary).
//! `cargo bench --bench memory` prints the figures.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use k8s_openapi::api::core::v1 as api;

use kockpit::app::data::Data;
use kockpit::cluster::intake::Intake;
use kockpit::model::cached;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const PODS: usize = 10_000;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The fixture with a distinct name, owner and addresses per pod, so no
/// string is shared and the maps are as big as the cluster's.
fn pod_json(template: &str, i: usize) -> String {
    let dep = i / 10;
    template
        .replace(
            "app-0042-5d8f7c9b6d-x7k2p",
            &format!("app-{dep:04}-5d8f7c9b6d-{i:05}"),
        )
        .replace("app-0042", &format!("app-{dep:04}"))
        .replace(
            "3f1c2a9e-8d4b-4c71-9a52-7e6b1d0f4a13",
            &format!("3f1c2a9e-8d4b-4c71-9a52-{i:012}"),
        )
        .replace(
            "10.0.17.42",
            &format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256),
        )
        .replace("kwok-node-17", &format!("kwok-node-{}", i % 100))
}

fn main() {
    let template = match std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pod-kwok.json"
    )) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("tests/fixtures/pod-kwok.json: {e}");
            std::process::exit(1);
        }
    };
    let bodies: Vec<String> = (0..PODS).map(|i| pod_json(&template, i)).collect();
    let wire: usize = bodies.iter().map(String::len).sum();

    let before = live();
    let raw: Vec<Arc<api::Pod>> = bodies
        .iter()
        .filter_map(|b| serde_json::from_str::<api::Pod>(b).ok())
        .map(Arc::new)
        .collect();
    let raw_bytes = live() - before;
    assert_eq!(raw.len(), PODS, "the fixture must parse");
    drop(raw);

    let before = live();
    let slim: Vec<Arc<cached::Pod>> = bodies
        .iter()
        .filter_map(|b| serde_json::from_str::<cached::Pod>(b).ok())
        .map(Arc::new)
        .collect();
    let slim_bytes = live() - before;
    assert_eq!(slim.len(), PODS, "the fixture must parse");
    drop(slim);

    let before = live();
    let pods: Vec<Arc<cached::Pod>> = bodies
        .iter()
        .filter_map(|b| serde_json::from_str::<cached::Pod>(b).ok())
        .map(|mut p| {
            p.intake();
            Arc::new(p)
        })
        .collect();
    let cached = live() - before;

    let before = live();
    let mut data = Data::default();
    data.set_pods(pods);
    let rows = live() - before;

    println!("memory: {PODS} pods (kwok pod from a v1.34 API server)");
    println!(
        "  JSON on the wire            {:>7.1} MiB  ({} B/pod)",
        mib(wire),
        wire / PODS
    );
    println!(
        "  k8s-openapi Pod, as parsed  {:>7.1} MiB  ({} B/pod)",
        mib(raw_bytes),
        raw_bytes / PODS
    );
    println!(
        "  slim pod, as parsed         {:>7.1} MiB  ({} B/pod)",
        mib(slim_bytes),
        slim_bytes / PODS
    );
    println!(
        "  cached after intake         {:>7.1} MiB  ({} B/pod)",
        mib(cached),
        cached / PODS
    );
    println!(
        "  pods screen rows + search   {:>7.1} MiB  ({} B/pod)",
        mib(rows),
        rows / PODS
    );
    println!(
        "  cache + rows                {:>7.1} MiB",
        mib(cached + rows)
    );
    println!("  struct sizes (k8s-openapi → slim, bytes inline):");
    for (what, full, slim) in [
        ("Pod", size_of::<api::Pod>(), size_of::<cached::Pod>()),
        (
            "PodSpec",
            size_of::<api::PodSpec>(),
            size_of::<cached::PodSpec>(),
        ),
        (
            "PodStatus",
            size_of::<api::PodStatus>(),
            size_of::<cached::PodStatus>(),
        ),
        (
            "Container",
            size_of::<api::Container>(),
            size_of::<cached::Container>(),
        ),
        (
            "ContainerStatus",
            size_of::<api::ContainerStatus>(),
            size_of::<cached::ContainerStatus>(),
        ),
        (
            "PodCondition",
            size_of::<api::PodCondition>(),
            size_of::<cached::PodCondition>(),
        ),
    ] {
        println!("    {what:<16} {full:>5} → {slim}");
    }
    std::hint::black_box(&data);
}
