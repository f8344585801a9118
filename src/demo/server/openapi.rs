//! A minimal OpenAPI v3 (`/openapi/v3`): the root that lists one document
//! per group/version, and per group/version the PATCH operations with their
//! `x-kubernetes-group-version-kind` and query parameters. That is what
//! kubectl's query-parameter verifier reads to decide that the server
//! validates fields itself (it then sends `fieldValidation=Strict` instead
//! of downloading schemas for client-side validation, which is why `kubectl
//! apply -f` / `create -f` fail against a server without OpenAPI). Schemas
//! are left out: without a strategic-merge request body kubectl computes
//! apply patches from its compiled-in types, as it does for built-in kinds.

use axum::http::Uri;
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::demo::api::status;
use crate::demo::error::ApiError;
use crate::demo::ids;
use crate::demo::resources::{self, ResourceDef, ALL};

fn key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

fn query(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "description": description, "schema": {"type": "string", "uniqueItems": true}})
}

fn patch_operation(r: &ResourceDef) -> Value {
    json!({
        "tags": [key(r.group, r.version).replace('/', "_")],
        "description": format!("partially update the specified {}", r.kind),
        "operationId": format!("patch{}", r.kind),
        "parameters": [
            query("dryRun", "When present, indicates that modifications should not be persisted."),
            query("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
            query("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: Ignore, Warn (default), Strict."),
            query("force", "Force is going to \"force\" Apply requests."),
        ],
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
    })
}

/// The document of one group/version (`api/v1`, `apis/apps/v1`).
pub fn group_version(path: &str) -> Option<Value> {
    let (group, version) = resources::group_versions()
        .into_iter()
        .find(|(g, v)| key(g, v) == path)?;
    let mut paths = Map::new();
    for r in ALL
        .iter()
        .filter(|r| r.group == group && r.version == version && r.verbs.contains(&"patch"))
    {
        let prefix = format!("/{}", key(group, version));
        let item = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        paths.insert(item, json!({"patch": patch_operation(r)}));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.34.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

/// `/openapi/v3`: where each group/version document is, with a content
/// hash so clients can cache them.
pub fn root() -> Value {
    let mut paths = Map::new();
    for (g, v) in resources::group_versions() {
        let k = key(g, v);
        let Some(doc) = group_version(&k) else {
            continue;
        };
        let hash = ids::fnv32a(doc.to_string().as_bytes());
        paths.insert(
            k.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{k}?hash={hash:08X}")}),
        );
    }
    json!({"paths": paths})
}

/// `GET /openapi/v3/{group-version}`.
pub async fn document(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches("/openapi/v3/");
    match group_version(path) {
        Some(doc) => status::json(200, &doc),
        None => status::error(&ApiError::no_route()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_patchable_kind_advertises_field_validation() {
        let root = root();
        let paths = root["paths"].as_object().unwrap();
        assert!(paths["api/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap()
            .starts_with("/openapi/v3/api/v1?hash="));
        for r in ALL.iter().filter(|r| r.verbs.contains(&"patch")) {
            let doc = group_version(&key(r.group, r.version)).unwrap();
            let found = doc["paths"].as_object().unwrap().values().any(|p| {
                p["patch"]["x-kubernetes-group-version-kind"]
                    == json!({"group": r.group, "version": r.version, "kind": r.kind})
                    && p["patch"]["parameters"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|q| q["name"] == "fieldValidation" && q["in"] == "query")
            });
            assert!(found, "{}", r.plural);
        }
        assert!(group_version("apis/nope/v1").is_none());
    }
}
