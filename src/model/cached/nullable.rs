//! The API server may send `null` for a field it would otherwise omit;
//! k8s-openapi reads both as the default, and so do we.

use serde::{Deserialize, Deserializer};

pub fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}
