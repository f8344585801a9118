//! The change types moved to the model layer (`model::verbs::change`):
//! verbs build them without I/O. Re-exported here so the gate's callers
//! keep their paths.

pub use crate::model::verbs::change::*;
