//! Effects that need the network run as tasks over the cluster layer;
//! their results come back to the run loop as `Done` messages, which it
//! hands to `update` (`Msg::Done`, applied in `app::done`), so the UI never
//! waits on the cluster and no task touches the state.

use kube::Client;
use tokio::sync::mpsc::UnboundedSender;

pub use super::done::{apply, Done, Switched};
use super::state::ObjKey;
use crate::cluster::secrets::{self, SecretChange};

/// Reads the key names of `key` (a Secret the pod reads whole).
pub fn fetch_secret_keys(client: Client, key: ObjKey, tx: UnboundedSender<Done>) {
    tokio::spawn(async move {
        let result = secrets::keys(client, &key.namespace, &key.name)
            .await
            .map_err(|e| e.to_string());
        let _ = tx.send(Done::SecretKeys(key, result));
    });
}

/// Reads one value for a reveal, then tells the app when that Secret
/// changes or goes while the value can be on screen, so a rotated value
/// is not left there.
pub fn reveal_secret(client: Client, key: ObjKey, item: String, tx: UnboundedSender<Done>) {
    tokio::spawn(async move {
        let read = secrets::value(client.clone(), &key.namespace, &key.name, &item).await;
        let version = read.as_ref().ok().and_then(|v| v.resource_version.clone());
        let result = read
            .map(|v| super::reveal::SecretValue {
                value: v.value,
                resource_version: v.resource_version,
            })
            .map_err(|e| e.to_string());
        let _ = tx.send(Done::SecretValue(key.clone(), item, result));
        let Some(version) = version else {
            return;
        };
        let lifetime = std::time::Duration::from_secs(super::reveal::REVEAL_SECS as u64 + 2);
        let change =
            secrets::watch_change(client, &key.namespace, &key.name, &version, lifetime).await;
        let version = match change {
            None => return,
            Some(SecretChange::Changed(v)) => v,
            Some(SecretChange::Deleted) => None,
        };
        let _ = tx.send(Done::SecretChanged(key, version));
    });
}

/// A connection to another context, or why there is none: a resource for
/// the run loop (it swaps the client, the watchers and the writer), so it
/// has its own channel rather than a `Done`.
pub type Connected = Result<crate::cluster::Connection, String>;

pub fn connect_context(opts: crate::cluster::ConnectOptions, tx: UnboundedSender<Connected>) {
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
        let _ = tx.send(result);
    });
}
