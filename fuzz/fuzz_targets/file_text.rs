//! What kockpit writes to files a person may `cat` (the journal's JSON
//! lines, kockpit.log): for any text, the output holds no character a
//! terminal would act on (no control, C1, bidi or invisible format
//! character; newlines only in log text), and a journal line still reads
//! back as exactly the text it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;

use kockpit::model::file_text::{escape_text, json_line};
use kockpit::model::sanitize::shows_as_is;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let line = json_line(&serde_json::json!({ "object": text })).expect("serializable");
    if let Some(bad) = line.chars().find(|c| !shows_as_is(*c)) {
        panic!("{bad:?} written raw in {line:?}");
    }
    let back: serde_json::Value = serde_json::from_str(&line).expect("still JSON");
    assert_eq!(back["object"].as_str(), Some(text.as_ref()), "round trip");

    let log = escape_text(&text);
    if let Some(bad) = log.chars().find(|c| *c != '\n' && !shows_as_is(*c)) {
        panic!("{bad:?} written raw in {log:?}");
    }
});
