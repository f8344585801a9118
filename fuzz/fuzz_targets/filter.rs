//! What an operator types after `/` (a regex, `!regex` or `-l selector`)
//! and into the log filters: parsing never panics, errors are one line,
//! and a parsed filter matches any text without panicking. Highlights are
//! in order, non-empty and on character boundaries.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

use kockpit::model::filter::Filter;
use kockpit::model::logs::LogFilter;
use kockpit::model::selector::Selector;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is what is typed; the rest is a row's text and labels.
    let (typed, sample) = text
        .split_once('\n')
        .unwrap_or((text, "shop api-7 Running"));
    let labels: BTreeMap<String, String> = sample
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();

    match Filter::parse(typed) {
        Ok(f) => {
            // The name column starts after the first `/`, as rows search.
            let from_name = sample.split_once('/').map_or(sample, |(_, rest)| rest);
            let _ = f.matches(sample, from_name, Some(&labels));
            let _ = f.matches(sample, from_name, None);
        }
        Err(e) => assert!(!e.contains('\n') && !e.is_empty(), "{e:?}"),
    }
    match Selector::parse(typed) {
        Ok(s) => {
            let _ = s.matches(Some(&labels));
            // Parsing is a function of the text alone.
            assert_eq!(Selector::parse(typed), Ok(s));
        }
        Err(e) => assert!(!e.contains('\n') && !e.is_empty(), "{e:?}"),
    }

    let mut parts = typed.splitn(3, '\u{1f}');
    let (inc, exc, hl) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    match LogFilter::new(inc, exc, hl) {
        Ok(f) => {
            let _ = f.matches_text(sample);
            let mut end = 0;
            for r in f.highlights(sample) {
                assert!(r.start >= end && r.start < r.end, "{r:?}");
                assert!(sample.is_char_boundary(r.start) && sample.is_char_boundary(r.end));
                end = r.end;
            }
        }
        Err(e) => assert!(!e.contains('\n') && !e.is_empty(), "{e:?}"),
    }
});
