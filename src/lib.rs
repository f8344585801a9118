//! kockpit: a terminal cockpit for Kubernetes operators.
//!
//! The modules follow the data flow: `cluster` (I/O with an API server) feeds
//! `model` (pure functions over cached objects), which `app` (state and
//! actions) and `ui` (drawing) consume. `action` is the vocabulary of state
//! changes that the keymaps (`config`) and `app` both speak. `demo` is a
//! separate room: a real HTTP server speaking the Kubernetes API, reached
//! only through a kubeconfig.

pub mod action;
pub mod app;
pub mod build_info;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod logging;
pub mod model;
pub mod ui;
