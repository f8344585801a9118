//! HorizontalPodAutoscalers: every metric in TARGETS; the detail is a chart
//! of replicas and metrics over time (`ui::widgets::hpa_chart`).

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;

use super::{DetailView, Resource};
use crate::model::hpa::{hpa_row, HpaRow};

pub struct Hpas;

impl Resource for Hpas {
    type Api = HorizontalPodAutoscaler;
    type Row = HpaRow;
    const PLURAL: &'static str = "horizontalpodautoscalers";
    const API_KIND: &'static str = "HorizontalPodAutoscaler";
    const TITLE: &'static str = "hpa";
    const DETAIL_TITLE: &'static str = "hpa";
    const ALIASES: &'static [&'static str] = &["hpa", "horizontalpodautoscalers", "autoscaling"];
    const SHORT: &'static str = "hpa";
    const DETAIL: DetailView = DetailView::HpaChart;
    const LIST_HINTS: &'static [&'static str] = &["/:filter", "enter:chart"];

    fn row(obj: &HorizontalPodAutoscaler) -> HpaRow {
        hpa_row(obj)
    }

    fn search(r: &HpaRow) -> String {
        format!("{}/{} {} {}", r.namespace, r.name, r.reference, r.targets)
    }
}
