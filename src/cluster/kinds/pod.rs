//! Pods: their detail is the pod page (containers, config, secrets); CPU and
//! memory join their rows from the metrics poll (`app::data`).

use super::{DetailView, Resource};
use crate::model::cached::Pod;
use crate::model::rows::{pod_row, PodRow};

pub struct Pods;

impl Resource for Pods {
    type Api = Pod;
    type Row = PodRow;
    const PLURAL: &'static str = "pods";
    const API_KIND: &'static str = "Pod";
    const TITLE: &'static str = "pods";
    const DETAIL_TITLE: &'static str = "pod";
    const ALIASES: &'static [&'static str] = &["pods", "pod", "po"];
    const SHORT: &'static str = "pod";
    const DETAIL: DetailView = DetailView::PodPage;
    const LIST_HINTS: &'static [&'static str] = &["/:filter", "enter:detail", "l:logs"];
    const DETAIL_HINTS: &'static [&'static str] = &["↑↓:secret", "x:reveal", "l:logs"];

    fn row(obj: &Pod) -> PodRow {
        pod_row(obj)
    }

    fn search(r: &PodRow) -> String {
        format!(
            "{}/{} {} {} {} {}",
            r.namespace, r.name, r.ready, r.status, r.node, r.owner
        )
    }
}
