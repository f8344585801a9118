//! Pure functions over cached objects: rows, summaries, sanitizing. No I/O,
//! so everything here is unit-tested with fixture objects.

pub mod age;
pub mod cached;
pub mod change;
pub mod doc;
pub mod events;
pub mod file_text;
pub mod filter;
pub mod health;
pub mod history;
pub mod hpa;
pub mod logs;
pub mod overview;
pub mod pairs;
pub mod pod_detail;
pub mod pod_row;
pub mod quantity;
pub mod rollout;
pub mod rows;
pub mod sanitize;
pub mod selector;
pub mod table;
pub mod typed_regex;
pub mod verbs;
