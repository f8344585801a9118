#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Log pipeline throughput: the bytes of a log stream, as the API server
//! sends them (timestamp prefix, 64 KiB reads), through the same code a
//! stream runs — line splitting, timestamp parsing, sanitizing, resume
//! de-duplication — then the include/exclude filter and the bounded buffer,
//! optionally through the cross-stream merge window too.
//!
//! Target: ≥ 100,000 lines/s with memory bounded by the buffer cap.
//! Run: `cargo bench --bench log_pipeline`.

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use kockpit::model::logs::split::{to_line, LineSplitter};
use kockpit::model::logs::{Cursor, LogBuffer, LogFilter, Merger};

const LINES: usize = 50_000;
const CAP: usize = 10_000;
const STREAMS: u16 = 8;

/// A realistic mix: JSON and access logs, coloured log-library output, a
/// stack trace, long lines, and now and then something hostile.
fn body(i: usize) -> Vec<u8> {
    match i % 20 {
        0..=6 => format!(
            r#"{{"level":"info","ts":"2024-05-01T10:00:00Z","msg":"request served","path":"/api/v1/orders/{i}","status":200,"duration_ms":{}}}"#,
            i % 97
        )
        .into_bytes(),
        7..=11 => format!(
            "10.0.{}.{} - - [01/May/2024:10:00:00 +0000] \"GET /products/{i}?page=2 HTTP/1.1\" 200 5123 \"-\" \"Mozilla/5.0\"",
            i % 255,
            i % 13
        )
        .into_bytes(),
        12..=14 => format!("\x1b[32mINFO\x1b[0m\tworker-{} processed batch {i} in 12ms", i % 8).into_bytes(),
        15 => format!("\x1b[31mERROR\x1b[0m upstream timeout after 3000ms (attempt {})", i % 5).into_bytes(),
        16 => b"\tat com.shop.api.OrderService.place(OrderService.java:214)".to_vec(),
        17 => format!("payload={}", "x".repeat(2048 + i % 512)).into_bytes(),
        18 => [
            &b"\x1b]0;owned\x07\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\ \x1b]52;c;aGk=\x07"[..],
            "\u{202E}txt.exe \u{9b}31m\r\x08\x07 ".as_bytes(),
            b"\xff\xfe bad utf8",
        ]
        .concat(),
        _ => format!("DEBUG cache hit key=user:{i} ttl=300").into_bytes(),
    }
}

/// One stream's bytes: `LINES / STREAMS` lines, ten per millisecond.
fn stream(s: u16) -> Vec<u8> {
    let t0 = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
    let mut out = Vec::new();
    for i in 0..LINES / usize::from(STREAMS) {
        let t = t0 + chrono::Duration::microseconds((i * 100) as i64);
        out.extend_from_slice(t.to_rfc3339_opts(SecondsFormat::Nanos, true).as_bytes());
        out.push(b' ');
        out.extend_from_slice(&body(i * usize::from(STREAMS) + usize::from(s)));
        out.push(b'\n');
    }
    out
}

fn filter() -> LogFilter {
    LogFilter::new("error|info|get|cache|payload", "healthz|readyz", "timeout").unwrap()
}

/// Feeds every stream through the per-stream stages into `sink`, in 64 KiB
/// reads interleaved across streams as the tasks would.
fn run(
    streams: &[Vec<u8>],
    filter: &LogFilter,
    mut sink: impl FnMut(u16, kockpit::model::logs::LogLine),
) {
    let mut splitters: Vec<LineSplitter> =
        streams.iter().map(|_| LineSplitter::default()).collect();
    let mut cursors: Vec<Cursor> = streams.iter().map(|_| Cursor::default()).collect();
    let mut offset = 0;
    let longest = streams.iter().map(Vec::len).max().unwrap_or(0);
    while offset < longest {
        for (s, bytes) in streams.iter().enumerate() {
            let chunk = &bytes[offset.min(bytes.len())..(offset + 64 * 1024).min(bytes.len())];
            let (sp, cur) = (&mut splitters[s], &mut cursors[s]);
            sp.feed(chunk, |raw, cut| {
                let line = to_line(raw, cut, s as u16);
                if cur.accept(line.at, &line.text) && filter.matches(&line) {
                    sink(s as u16, line);
                }
            });
        }
        offset += 64 * 1024;
    }
}

fn bench(c: &mut Criterion) {
    let streams: Vec<Vec<u8>> = (0..STREAMS).map(stream).collect();
    let filter = filter();
    let mut g = c.benchmark_group("log_pipeline");
    g.throughput(Throughput::Elements(LINES as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));

    g.bench_function("split_parse_sanitize_dedupe_filter_buffer", |b| {
        b.iter(|| {
            let mut buf = LogBuffer::new(CAP);
            run(&streams, &filter, |_, l| buf.push(l));
            black_box(buf.len())
        })
    });

    g.bench_function("with_merge_window", |b| {
        b.iter(|| {
            let mut buf = LogBuffer::new(CAP);
            let mut merger = Merger::new(Duration::from_millis(200));
            let now = Instant::now();
            run(&streams, &filter, |_, l| {
                merger.push(l, now);
                // The hub releases once per chunk; bounding by the cap is
                // what keeps a flood from growing the window.
                if merger.len() >= CAP {
                    merger.release(now, CAP / 2, |l| buf.push(l));
                }
            });
            merger.flush(|l| buf.push(l));
            black_box(buf.len())
        })
    });
    g.finish();

    // Memory stays bounded by the cap: report what a full buffer holds.
    let mut buf = LogBuffer::new(CAP);
    run(&streams, &filter, |_, l| buf.push(l));
    let text: usize = buf.lines().iter().map(|l| l.text.capacity()).sum();
    eprintln!(
        "full buffer: {} lines held (cap {CAP}), {} dropped and counted, ~{} KiB of text",
        buf.len(),
        buf.dropped(),
        text / 1024
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
