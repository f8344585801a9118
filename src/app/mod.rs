//! Application state and the actions that change it, plus the run loop that
//! merges terminal input, cluster changes and timers.

pub mod commands;
pub mod data;
pub mod dialogs;
pub mod done;
pub mod effects;
pub mod input;
pub mod logs;
pub mod mouse;
pub mod reveal;
pub mod run;
pub mod signals;
pub mod state;
pub mod update;
pub mod write;
pub mod write_runner;

pub use state::App;
