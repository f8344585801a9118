//! Reading Secrets for the pod page: the key names of a Secret a pod reads
//! whole, one key's value for a reveal, and a watch on that one Secret
//! while the value is on screen. The network side of `app::reveal`; only
//! the names or the one asked value leave these functions, the rest of the
//! Secret is dropped here.

use std::fmt;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{WatchEvent, WatchParams};
use kube::{Api, Client};

use super::client::one_line;
use crate::model::sanitize::clean_bytes;

/// Why a Secret could not be read; its text is the one line the operator
/// sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretError {
    Forbidden { namespace: String, name: String },
    NoSuchKey { name: String, key: String },
    Api(String),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Forbidden { namespace, name } => {
                write!(
                    f,
                    "forbidden: you may not read secret {name} in {namespace}"
                )
            }
            SecretError::NoSuchKey { name, key } => write!(f, "secret {name} has no key {key}"),
            SecretError::Api(line) => f.write_str(line),
        }
    }
}

impl std::error::Error for SecretError {}

/// One key's value (sanitized) and the Secret's version it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadValue {
    pub value: String,
    pub resource_version: Option<String>,
}

/// What a watched Secret did while its value was shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretChange {
    /// A new version (a rotated value).
    Changed(Option<String>),
    Deleted,
}

async fn get(client: Client, namespace: &str, name: &str) -> Result<Secret, SecretError> {
    let api: Api<Secret> = Api::namespaced(client, namespace);
    api.get(name).await.map_err(|e| match &e {
        kube::Error::Api(s) if s.code == 403 => SecretError::Forbidden {
            namespace: namespace.to_string(),
            name: name.to_string(),
        },
        _ => SecretError::Api(one_line(&e)),
    })
}

/// The key names of a Secret, sorted, without its values.
pub async fn keys(client: Client, namespace: &str, name: &str) -> Result<Vec<String>, SecretError> {
    let s = get(client, namespace, name).await?;
    Ok(key_names(&s))
}

fn key_names(s: &Secret) -> Vec<String> {
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
}

/// One key's value.
pub async fn value(
    client: Client,
    namespace: &str,
    name: &str,
    key: &str,
) -> Result<ReadValue, SecretError> {
    let s = get(client, namespace, name).await?;
    value_of(&s, key).ok_or_else(|| SecretError::NoSuchKey {
        name: name.to_string(),
        key: key.to_string(),
    })
}

fn value_of(s: &Secret, key: &str) -> Option<ReadValue> {
    let raw = s
        .data
        .as_ref()
        .and_then(|d| d.get(key))
        .map(|b| b.0.clone());
    let raw = raw.or_else(|| {
        s.string_data
            .as_ref()
            .and_then(|d| d.get(key))
            .map(|v| v.clone().into_bytes())
    });
    raw.map(|bytes| ReadValue {
        value: clean_bytes(&bytes),
        resource_version: s.metadata.resource_version.clone(),
    })
}

/// Waits (at most `lifetime`) for the Secret to change from `version` or
/// go: a watch on the one object where the server allows it, else a get
/// every few seconds. `None`: nothing happened in time.
pub async fn watch_change(
    client: Client,
    namespace: &str,
    name: &str,
    version: &str,
    lifetime: Duration,
) -> Option<SecretChange> {
    let deadline = tokio::time::Instant::now() + lifetime;
    let api: Api<Secret> = Api::namespaced(client, namespace);
    let params = WatchParams::default()
        .fields(&format!("metadata.name={name}"))
        .timeout(u32::try_from(lifetime.as_secs()).unwrap_or(u32::MAX));
    if let Ok(stream) = api.watch(&params, version).await {
        let mut stream = stream.boxed();
        loop {
            let next = tokio::time::timeout_at(deadline, stream.try_next()).await;
            match next {
                Err(_) | Ok(Ok(None)) => return None,
                Ok(Ok(Some(WatchEvent::Modified(s)))) => {
                    return Some(SecretChange::Changed(s.metadata.resource_version))
                }
                Ok(Ok(Some(WatchEvent::Deleted(_)))) => return Some(SecretChange::Deleted),
                Ok(Ok(Some(WatchEvent::Added(_) | WatchEvent::Bookmark(_)))) => {}
                // Watch refused or broken: fall back to looking now and then.
                Ok(Ok(Some(WatchEvent::Error(_)))) | Ok(Err(_)) => break,
            }
        }
    }
    while tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(3)).await;
        match api.get_opt(name).await {
            Ok(Some(s)) if s.metadata.resource_version.as_deref() != Some(version) => {
                return Some(SecretChange::Changed(s.metadata.resource_version))
            }
            Ok(None) => return Some(SecretChange::Deleted),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn secret() -> Secret {
        serde_json::from_value(json!({
            "metadata": {"name": "db", "namespace": "shop", "resourceVersion": "7"},
            "data": {"password": "aHVudGVyMg==", "user": "YWRtaW4="},
            "stringData": {"host": "db.shop"}
        }))
        .unwrap()
    }

    #[test]
    fn keys_are_the_names_only_sorted() {
        assert_eq!(key_names(&secret()), ["host", "password", "user"]);
    }

    #[test]
    fn a_value_comes_with_its_version_and_a_missing_key_says_so() {
        let v = value_of(&secret(), "password").unwrap();
        assert_eq!(v.value, "hunter2");
        assert_eq!(v.resource_version.as_deref(), Some("7"));
        assert_eq!(value_of(&secret(), "host").unwrap().value, "db.shop");
        assert!(value_of(&secret(), "nope").is_none());
        let e = SecretError::NoSuchKey {
            name: "db".into(),
            key: "nope".into(),
        };
        assert_eq!(e.to_string(), "secret db has no key nope");
    }
}
