//! What a change to the cluster will be, decided without I/O: validated
//! input (image references, replica counts, rollout fenceposts), the diff an
//! operator confirms, and `kubectl rollout undo`'s plan. The write side in
//! `cluster::ops` only sends what is computed here.

mod counts;
mod diff;
mod image;
mod rollback;
mod yaml;

pub use counts::{
    check_fenceposts, hpa_warning, parse_int_or_percent, parse_replicas, MAX_REPLICAS,
};
pub use diff::{diff_stats, diff_text, diff_values, DiffLine, DiffTag, CONTEXT_LINES};
pub use image::{parse_image, ImageRef};
pub use rollback::{
    kubectl_replicasets, kubectl_revision, normalized, plan_rollback, revision_not_found,
    template_without_hash, templates_equal_ignoring_hash, RollbackPatch, RollbackPlan,
    ANNOTATIONS_TO_SKIP, PAUSED_REFUSAL,
};
pub use yaml::yaml_lines;

use k8s_openapi::api::core::v1::PodTemplateSpec;

/// A revision's pod template against the current one, both without the
/// pod-template-hash label: what the history panel colours.
pub fn template_diff(current: &PodTemplateSpec, revision: &PodTemplateSpec) -> Vec<DiffLine> {
    diff_values(
        &normalized(&template_without_hash(current)),
        &normalized(&template_without_hash(revision)),
    )
}

/// `name=image` of each container of a template, in order.
pub fn container_images(t: &PodTemplateSpec) -> Vec<(String, String)> {
    t.spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .map(|c| (c.name.clone(), c.image.clone().unwrap_or_default()))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn template_diff_ignores_the_hash_label() {
        let current: PodTemplateSpec = serde_json::from_value(json!({
            "metadata": {"labels": {"app": "api"}},
            "spec": {"containers": [{"name": "app", "image": "api:2"}]}}))
        .unwrap();
        let rev: PodTemplateSpec = serde_json::from_value(json!({
            "metadata": {"labels": {"app": "api", "pod-template-hash": "abc"}},
            "spec": {"containers": [{"name": "app", "image": "api:1"}]}}))
        .unwrap();
        let d = template_diff(&current, &rev);
        let changed: Vec<(DiffTag, &str)> = d
            .iter()
            .filter(|l| matches!(l.tag, DiffTag::Added | DiffTag::Removed))
            .map(|l| (l.tag, l.text.as_str()))
            .collect();
        assert_eq!(
            changed,
            [
                (DiffTag::Removed, "  - image: api:2"),
                (DiffTag::Added, "  - image: api:1")
            ]
        );
        assert_eq!(
            container_images(&rev),
            [("app".to_string(), "api:1".to_string())]
        );
    }
}
