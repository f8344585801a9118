//! The API calls behind a [`Change`], one per operation shape, for any
//! namespaced kind: `Api<DynamicObject>` addressed by the change's
//! [`ObjectRef`], so a new verb on a new kind needs no code here. The gate
//! decides when to call; this only builds and sends the request.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{
    ApiResource, DeleteParams, DynamicObject, EvictParams, Patch, PatchParams, PostParams,
    Preconditions,
};
use kube::Api;
use serde_json::Value;

use super::errors::OpError;
use super::fetch::{timed, Fetch};
use crate::model::verbs::{Change, ObjectRef, Operation, Removal};

/// The field manager the server records for kockpit's changes.
pub const FIELD_MANAGER: &str = "kockpit";

fn api_resource(t: &ObjectRef) -> ApiResource {
    ApiResource {
        group: t.group.clone(),
        version: t.version.clone(),
        api_version: t.api_version(),
        kind: t.kind.clone(),
        plural: t.plural.clone(),
    }
}

fn api(fetch: &Fetch, t: &ObjectRef) -> Api<DynamicObject> {
    Api::namespaced_with(fetch.client.clone(), &t.namespace, &api_resource(t))
}

fn to_json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The object as the server has it now, as JSON.
pub async fn read(fetch: &Fetch, t: &ObjectRef) -> Result<Value, OpError> {
    let obj = timed(&t.describe(), fetch.timeout, api(fetch, t).get(&t.name)).await?;
    Ok(to_json(obj))
}

/// One request for `c` (a dry run, or for real). Patches, deletes and
/// evictions carry the resourceVersion (and for the latter two the uid)
/// of `c.before`, so a concurrent change is a 409, never a lost update.
pub async fn once(fetch: &Fetch, c: &Change, dry_run: bool) -> Result<Value, OpError> {
    let t = &c.target;
    let what = t.describe();
    let rv = c.resource_version();
    if c.patch.preconditioned() && rv.is_none() {
        return Err(OpError::refused(format!("{what} has no resourceVersion")));
    }
    match &c.patch {
        Operation::Json(_) | Operation::Merge(_) | Operation::Strategic(_) => {
            let body = c.patch.with_precondition(rv.unwrap_or_default());
            let pp = PatchParams {
                dry_run,
                field_manager: Some(FIELD_MANAGER.into()),
                ..Default::default()
            };
            let patch = kube_patch(&body)?;
            let out = timed(
                &what,
                fetch.timeout,
                api(fetch, t).patch(&t.name, &pp, &patch),
            )
            .await?;
            Ok(to_json(out))
        }
        Operation::Create(obj) => {
            let mut obj: DynamicObject = serde_json::from_value(obj.clone())
                .map_err(|e| OpError::refused(format!("internal: bad object to create: {e}")))?;
            obj.metadata.namespace = Some(t.namespace.clone());
            obj.metadata.name = Some(t.name.clone());
            let pp = PostParams {
                dry_run,
                field_manager: Some(FIELD_MANAGER.into()),
            };
            let out = timed(&what, fetch.timeout, api(fetch, t).create(&pp, &obj)).await?;
            Ok(to_json(out))
        }
        Operation::Delete(r) => {
            let dp = delete_params(c, r, dry_run);
            let out = timed(&what, fetch.timeout, api(fetch, t).delete(&t.name, &dp)).await?;
            // A pod with a grace period comes back marked for deletion; a
            // kind deleted at once answers with a Status.
            Ok(out.either(to_json, to_json))
        }
        Operation::Evict(r) => {
            if t.kind != "Pod" {
                return Err(OpError::refused(format!(
                    "{what}: only pods can be evicted"
                )));
            }
            let pods: Api<Pod> = Api::namespaced(fetch.client.clone(), &t.namespace);
            let ep = EvictParams {
                delete_options: Some(delete_params(c, r, false)),
                post_options: PostParams {
                    dry_run,
                    field_manager: None,
                },
            };
            let out = timed(&what, fetch.timeout, pods.evict(&t.name, &ep)).await?;
            Ok(to_json(out))
        }
    }
}

/// DeleteOptions with the object's uid and resourceVersion as read. The
/// dry run of an eviction is the POST's (`post_options`), not these.
fn delete_params(c: &Change, r: &Removal, dry_run: bool) -> DeleteParams {
    DeleteParams {
        dry_run,
        grace_period_seconds: r.grace_period_seconds,
        preconditions: Some(Preconditions {
            resource_version: c.resource_version().map(str::to_string),
            uid: c.uid().map(str::to_string),
        }),
        ..Default::default()
    }
}

fn kube_patch(body: &Operation) -> Result<Patch<Value>, OpError> {
    Ok(match body {
        Operation::Json(ops) => {
            let ops: json_patch::Patch = serde_json::from_value(ops.clone())
                .map_err(|e| OpError::refused(format!("internal: bad JSON patch: {e}")))?;
            Patch::Json(ops)
        }
        Operation::Merge(v) => Patch::Merge(v.clone()),
        Operation::Strategic(v) => Patch::Strategic(v.clone()),
        Operation::Create(_) | Operation::Delete(_) | Operation::Evict(_) => {
            return Err(OpError::refused("internal: not a patch"))
        }
    })
}
