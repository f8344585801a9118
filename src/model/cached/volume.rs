//! Volumes reduced to the ConfigMaps and Secrets they project, the only
//! kind the pod detail shows.

use serde::{de::IgnoredAny, Deserialize, Deserializer};

use super::nullable::or_default;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    pub config_map: Option<ConfigMapVolumeSource>,
    pub secret: Option<SecretVolumeSource>,
    pub projected: Option<ProjectedVolumeSource>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ConfigMapVolumeSource {
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    pub items: Option<Vec<KeyToPath>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretVolumeSource {
    pub secret_name: Option<String>,
    pub items: Option<Vec<KeyToPath>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ProjectedVolumeSource {
    pub sources: Option<Vec<VolumeProjection>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeProjection {
    pub config_map: Option<ConfigMapProjection>,
    pub secret: Option<SecretProjection>,
    /// Only whether there is one: it marks the API-access volume the API
    /// server injects into every pod, which intake drops.
    pub service_account_token: Option<Present>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct ConfigMapProjection {
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    pub items: Option<Vec<KeyToPath>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct SecretProjection {
    #[serde(default, deserialize_with = "or_default")]
    pub name: String,
    pub items: Option<Vec<KeyToPath>>,
}

/// Which key of a ConfigMap or Secret a volume maps (not where to).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct KeyToPath {
    #[serde(default, deserialize_with = "or_default")]
    pub key: String,
}

/// A field that is there, whatever it holds; its content is skipped
/// unparsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Present;

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| Present)
    }
}
