//! Pure functions over cached objects: rows, summaries, sanitizing. No I/O,
//! so everything here is unit-tested with fixture objects.

pub mod age;
pub mod events;
pub mod filter;
pub mod quantity;
pub mod rows;
pub mod sanitize;
pub mod selector;
pub mod table;
