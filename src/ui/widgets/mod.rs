//! Reusable drawing pieces that screens compose; each draws one model
//! struct with theme styles.

pub mod hpa_chart;
pub mod logs;
pub mod rollout;
