//! Changes to the cluster. Every one is planned from objects read fresh
//! (`rollout`, `rollback`, `bluegreen`), passes the one [`gate::Gate`]
//! (read-only → permission → preview → confirm → dry run → apply with a
//! resourceVersion precondition) and is journaled (`journal`). `guard`
//! watches a change and undoes it by itself when the new pods fail.
//!
//! Wiring, for the UI: a panel's `OpRequest` → [`request::plan`] →
//! `Planned::Ready(prepared)` → confirm panel → [`gate::Gate::apply`] →
//! optionally [`guard::start`] with `prepared.plan.guard`.

pub mod bluegreen;
pub mod errors;
pub mod fetch;
pub mod gate;
pub mod guard;
pub mod identity;
pub mod journal;
pub mod plan;
pub mod request;
pub mod rollback;
pub mod rollout;
pub mod send;

pub use errors::OpError;
pub use gate::{Applied, Gate, Permission};
pub use guard::{GuardBudget, GuardHandle, GuardState, GuardView};
pub use identity::Identity;
pub use journal::{Entry, Journal, Outcome};
pub use plan::{Change, GuardTarget, Plan, Prepared, PreviewSection, Target};
pub use request::{plan, OpRequest, Planned};
