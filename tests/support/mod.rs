//! Plumbing shared by the integration tests: how a test reaches a cluster,
//! runs kubectl against `kockpit demo serve`, drives the binary in tmux,
//! and handles Deployments. Test logic and assertions stay in the tests.
//!
//! Included by each test file with `mod support;`; as a directory without a
//! top-level `.rs` file, cargo does not build it as a test of its own.

// Every test binary compiles its own copy of this module and uses only the
// part it needs, so the rest would be reported unused in each of them.
#![allow(dead_code)]

pub mod cli;
pub mod client;
pub mod deploy;
pub mod env;
pub mod kubectl;
pub mod poll;
pub mod proxy;
pub mod tmux;
