//! Deployments: the rollout screens' kind. Enter lists the pods it runs;
//! its detail is the rollout tree (`ui::widgets::rollout`).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::{DetailView, Enter, Resource};
use crate::model::rows::{deployment_row, DeploymentRow};

pub struct Deployments;

impl Resource for Deployments {
    type Api = Deployment;
    type Row = DeploymentRow;
    const PLURAL: &'static str = "deployments";
    const API_KIND: &'static str = "Deployment";
    const TITLE: &'static str = "deployments";
    const DETAIL_TITLE: &'static str = "deployment";
    const ALIASES: &'static [&'static str] = &["deploy", "deployments", "deployment", "dp"];
    const SHORT: &'static str = "deploy";
    const ENTER: Enter = Enter::OwnedPods;
    const DETAIL: DetailView = DetailView::Rollout;
    const LIST_HINTS: &'static [&'static str] = &[
        "/:filter",
        "enter:pods",
        "d:detail",
        "l:logs",
        "u:rollout",
        "h:history",
    ];
    const DETAIL_HINTS: &'static [&'static str] =
        &["l:logs", "u:rollout", "h:history", "b:blue-green"];

    fn row(obj: &Deployment) -> DeploymentRow {
        deployment_row(obj)
    }

    fn search(r: &DeploymentRow) -> String {
        format!(
            "{}/{} {} {} {} {}",
            r.namespace, r.name, r.ready, r.images, r.status, r.status_message
        )
    }

    fn pod_selector(obj: &Deployment) -> Option<&LabelSelector> {
        obj.spec.as_ref().map(|s| &s.selector)
    }
}
