//! Detail screens reduced to `Doc`s: pure functions of state and data.

pub mod overview;
pub mod pod;
