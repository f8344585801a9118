//! Guarded rollouts: after a rolling update (or a blue-green switch) kockpit
//! watches the new pods and undoes the change by itself when they
//! crash-loop, cannot pull their image, stay unready, restart past a budget,
//! when the Deployment reports ProgressDeadlineExceeded, or when the
//! operator's time budget runs out. The undo is the gate's own rollback (or
//! switch back), journaled with the reason. The UI draws a [`GuardView`]
//! (state, countdown, reason) and can cancel through the [`GuardHandle`].
//!
//! For a rollout the time budget is a deadline: the rollout must complete
//! within it. For a switch the new slot is already running, so the budget
//! is a watch window: no trouble until it ends means healthy.
//!
//! `verdict` judges one look (pure); `supervisor` is the task that looks,
//! judges and undoes.

mod supervisor;
mod verdict;

pub use supervisor::{start, GuardHandle, GuardState, GuardView};
pub use verdict::{
    assess_rollout, assess_serving, baseline, pod_problem, Baseline, GuardBudget, Verdict,
};
