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
    SecretValue(ObjKey, String, Result<String, String>),
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
        let result = get_secret(client, &key).await.and_then(|s| {
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
            raw.map(|bytes| clean_bytes(&bytes))
                .ok_or_else(|| format!("secret {} has no key {item}", key.name))
        });
        let _ = tx.send(Done::SecretValue(key, item, result));
    });
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
        Done::SecretValue(key, item, Ok(value)) => app.revealed = Some((key, item, value)),
        Done::SecretValue(_, _, Err(e)) => {
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
