//! Effects that need the network run as tasks; their results come back to
//! the run loop as `Done` messages, so the UI never waits on the cluster.

use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client};
use tokio::sync::mpsc::UnboundedSender;

use super::state::{App, Flash, ObjKey};
use crate::cluster::client::one_line;
use crate::model::sanitize::clean_bytes;

pub enum Done {
    Connected(Box<Result<crate::cluster::Connection, String>>),
    /// Results of the write side (plans, applies, permissions, the guard).
    Write(super::write::WriteDone),
    SecretKeys(ObjKey, Result<Vec<String>, String>),
    SecretValue(ObjKey, String, Result<super::reveal::SecretValue, String>),
    /// A revealed Secret changed (its new version) or was deleted (`None`).
    SecretChanged(ObjKey, Option<String>),
}

async fn get_secret(client: Client, key: &ObjKey) -> Result<Secret, String> {
    let api: Api<Secret> = Api::namespaced(client, &key.namespace);
    api.get(&key.name).await.map_err(|e| match &e {
        kube::Error::Api(s) if s.code == 403 => {
            format!(
                "forbidden: you may not read secret {} in {}",
                key.name, key.namespace
            )
        }
        _ => one_line(&e),
    })
}

pub fn fetch_secret_keys(client: Client, key: ObjKey, tx: UnboundedSender<Done>) {
    tokio::spawn(async move {
        let result = get_secret(client, &key).await.map(|s| {
            let mut keys: Vec<String> = s
                .data
                .iter()
                .flat_map(|d| d.keys())
                .chain(s.string_data.iter().flat_map(|d| d.keys()))
                .map(|k| clean_bytes(k.as_bytes()))
                .collect();
            keys.sort();
            keys.dedup();
            keys
        });
        let _ = tx.send(Done::SecretKeys(key, result));
    });
}

pub fn reveal_secret(client: Client, key: ObjKey, item: String, tx: UnboundedSender<Done>) {
    tokio::spawn(async move {
        let secret = get_secret(client.clone(), &key).await;
        let version = secret
            .as_ref()
            .ok()
            .and_then(|s| s.metadata.resource_version.clone());
        let result = secret.and_then(|s| {
            // Only this one value leaves the task; the rest of the Secret is
            // dropped here.
            let raw = s
                .data
                .as_ref()
                .and_then(|d| d.get(&item))
                .map(|b| b.0.clone());
            let raw = raw.or_else(|| {
                s.string_data
                    .as_ref()
                    .and_then(|d| d.get(&item))
                    .map(|v| v.clone().into_bytes())
            });
            raw.map(|bytes| super::reveal::SecretValue {
                value: clean_bytes(&bytes),
                resource_version: s.metadata.resource_version.clone(),
            })
            .ok_or_else(|| format!("secret {} has no key {item}", key.name))
        });
        let shown = result.is_ok();
        let _ = tx.send(Done::SecretValue(key.clone(), item, result));
        if let (true, Some(version)) = (shown, version) {
            watch_secret(client, key, version, tx).await;
        }
    });
}

/// While a value is shown, tells the app when its Secret changes or goes,
/// so a rotated value is not left on screen. A watch on the one object
/// where the server allows it, else a get every few seconds; ends with the
/// reveal's time.
async fn watch_secret(client: Client, key: ObjKey, version: String, tx: UnboundedSender<Done>) {
    use futures::{StreamExt, TryStreamExt};
    use kube::api::{WatchEvent, WatchParams};
    let lifetime = std::time::Duration::from_secs(super::reveal::REVEAL_SECS as u64 + 2);
    let deadline = tokio::time::Instant::now() + lifetime;
    let api: Api<Secret> = Api::namespaced(client.clone(), &key.namespace);
    let params = WatchParams::default()
        .fields(&format!("metadata.name={}", key.name))
        .timeout(lifetime.as_secs() as u32);
    if let Ok(stream) = api.watch(&params, &version).await {
        let mut stream = stream.boxed();
        loop {
            let next = tokio::time::timeout_at(deadline, stream.try_next()).await;
            match next {
                Err(_) | Ok(Ok(None)) => return,
                Ok(Ok(Some(WatchEvent::Modified(s)))) => {
                    let _ = tx.send(Done::SecretChanged(key, s.metadata.resource_version));
                    return;
                }
                Ok(Ok(Some(WatchEvent::Deleted(_)))) => {
                    let _ = tx.send(Done::SecretChanged(key, None));
                    return;
                }
                Ok(Ok(Some(WatchEvent::Added(_) | WatchEvent::Bookmark(_)))) => {}
                // Watch refused or broken: fall back to looking now and then.
                Ok(Ok(Some(WatchEvent::Error(_)))) | Ok(Err(_)) => break,
            }
        }
    }
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        match api.get_opt(&key.name).await {
            Ok(Some(s)) if s.metadata.resource_version.as_deref() != Some(version.as_str()) => {
                let _ = tx.send(Done::SecretChanged(key, s.metadata.resource_version));
                return;
            }
            Ok(None) => {
                let _ = tx.send(Done::SecretChanged(key, None));
                return;
            }
            _ => {}
        }
    }
}

/// Applies a result to the state; the write side may ask for more work.
pub fn apply(app: &mut App, done: Done) -> Option<super::write::WriteEffect> {
    match done {
        Done::Write(w) => return super::write::done(app, w),
        Done::SecretKeys(key, result) => {
            if let Err(e) = &result {
                app.flash = Some(Flash {
                    text: e.clone(),
                    error: true,
                });
            }
            app.secret_keys.insert(key, result);
        }
        Done::SecretValue(key, item, Ok(value)) => super::reveal::arrived(app, key, item, value),
        Done::SecretChanged(key, version) => super::reveal::secret_changed(app, &key, version),
        Done::SecretValue(_, _, Err(e)) => {
            app.reveal_asked = None;
            app.flash = Some(Flash {
                text: e,
                error: true,
            })
        }
        // The run loop owns the connection and handles this itself.
        Done::Connected(_) => {}
    }
    None
}

pub fn connect_context(opts: crate::cluster::ConnectOptions, tx: UnboundedSender<Done>) {
    // The cockpit owns the terminal now: a credential plugin must not
    // prompt on it, and nothing may be printed to it.
    let opts = crate::cluster::ConnectOptions {
        at_start: false,
        ..opts
    };
    tokio::spawn(async move {
        let result = crate::cluster::connect(&opts)
            .await
            .map_err(|e| e.to_string());
        let _ = tx.send(Done::Connected(Box::new(result)));
    });
}
