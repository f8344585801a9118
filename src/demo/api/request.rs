//! Reading a request the way the API server does: the resource path, the
//! query parameters and the media type the client accepts.

use std::collections::HashMap;

use axum::http::{HeaderMap, Uri};

use crate::demo::error::ApiError;
use crate::demo::resources::{self, ResourceDef};

/// A resource request: `/api/v1/namespaces/ns/pods/name/status` and friends.
#[derive(Debug)]
pub struct Target {
    pub resource: &'static ResourceDef,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The deprecated `/watch/` path prefix.
    pub watch_path: bool,
}

/// What a path names.
#[derive(Debug)]
pub enum Route {
    /// `/api/v1`, `/apis/apps/v1`.
    ResourceList {
        group: String,
        version: String,
    },
    /// `/apis/apps`.
    Group(String),
    Resource(Target),
}

pub fn parse_path(path: &str) -> Result<Route, ApiError> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group] => return Ok(Route::Group(group.to_string())),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(ApiError::no_route()),
    };
    if !resources::group_versions().contains(&(group, version)) {
        return Err(ApiError::no_route());
    }
    let (watch_path, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let find =
        |plural: &str| resources::lookup(group, version, plural).ok_or_else(ApiError::no_route);
    let target = |resource: &'static ResourceDef,
                  namespace: Option<&str>,
                  name: Option<&str>,
                  sub: Option<&str>| {
        Target {
            resource,
            namespace: namespace.map(String::from),
            name: name.map(String::from),
            subresource: sub.map(String::from),
            watch_path,
        }
    };
    let t = match rest {
        [] if !watch_path => {
            return Ok(Route::ResourceList {
                group: group.to_string(),
                version: version.to_string(),
            })
        }
        [plural] => target(find(plural)?, None, None, None),
        // namespaces/{name}/{sub} is a namespace subresource, not a collection.
        ["namespaces", name, sub]
            if resources::NAMESPACES.has_subresource(sub) && group.is_empty() =>
        {
            target(&resources::NAMESPACES, None, Some(name), Some(sub))
        }
        ["namespaces", ns, plural, tail @ ..] if tail.len() <= 2 => {
            let res = find(plural)?;
            if !res.namespaced {
                return Err(ApiError::no_route());
            }
            target(res, Some(ns), tail.first().copied(), tail.get(1).copied())
        }
        [plural, name] => {
            let res = find(plural)?;
            if res.namespaced {
                return Err(ApiError::no_route());
            }
            target(res, None, Some(name), None)
        }
        [plural, name, sub] => {
            let res = find(plural)?;
            if res.namespaced {
                return Err(ApiError::no_route());
            }
            target(res, None, Some(name), Some(sub))
        }
        _ => return Err(ApiError::no_route()),
    };
    if let Some(sub) = &t.subresource {
        if !t.resource.has_subresource(sub) {
            return Err(ApiError::no_route());
        }
    }
    Ok(Route::Resource(t))
}

/// Query parameters (last value wins, as for the API server's scalar options).
pub fn query(uri: &Uri) -> Result<HashMap<String, String>, ApiError> {
    let q = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))?;
    Ok(q.0.into_iter().collect())
}

pub fn flag(q: &HashMap<String, String>, key: &str) -> bool {
    matches!(q.get(key).map(String::as_str), Some("true") | Some("1"))
}

/// The representation the client asked for in `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Object,
    /// `meta.k8s.io` Table of the given version (`v1` or `v1beta1`).
    Table(&'static str),
    /// `PartialObjectMetadata` / `PartialObjectMetadataList`.
    Metadata(&'static str),
}

pub fn negotiate(headers: &HeaderMap) -> Result<Output, ApiError> {
    let Some(accept) = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(Output::Object);
    };
    if accept.trim().is_empty() {
        return Ok(Output::Object);
    }
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("");
        let params: HashMap<&str, &str> = parts
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        if !matches!(media, "application/json" | "*/*" | "application/*") {
            continue;
        }
        let version = match params.get("v") {
            Some(&"v1beta1") => "v1beta1",
            _ => "v1",
        };
        match (params.get("as"), params.get("g")) {
            (None, _) => return Ok(Output::Object),
            (Some(&"Table"), Some(&"meta.k8s.io")) => return Ok(Output::Table(version)),
            (
                Some(&"PartialObjectMetadata") | Some(&"PartialObjectMetadataList"),
                Some(&"meta.k8s.io"),
            ) => return Ok(Output::Metadata(version)),
            // Aggregated discovery and other conversions we do not serve.
            _ => continue,
        }
    }
    Err(ApiError::not_acceptable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn target(path: &str) -> Target {
        match parse_path(path).unwrap() {
            Route::Resource(t) => t,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn paths_resolve_like_the_api_server() {
        let t = target("/api/v1/namespaces/shop/pods/web-1/status");
        assert_eq!(
            (
                t.resource.plural,
                t.namespace.as_deref(),
                t.name.as_deref(),
                t.subresource.as_deref()
            ),
            ("pods", Some("shop"), Some("web-1"), Some("status"))
        );
        let t = target("/api/v1/namespaces/shop");
        assert_eq!(
            (t.resource.plural, t.name.as_deref()),
            ("namespaces", Some("shop"))
        );
        let t = target("/api/v1/namespaces/shop/status");
        assert_eq!(
            (t.resource.plural, t.subresource.as_deref()),
            ("namespaces", Some("status"))
        );
        let t = target("/apis/apps/v1/deployments");
        assert!(t.namespace.is_none() && t.name.is_none());
        let t = target("/apis/apps/v1/namespaces/a/deployments/web/scale");
        assert_eq!(t.subresource.as_deref(), Some("scale"));
        assert!(target("/api/v1/watch/namespaces/a/pods").watch_path);
        assert!(matches!(
            parse_path("/apis/apps/v1").unwrap(),
            Route::ResourceList { .. }
        ));
        assert!(matches!(parse_path("/apis/apps").unwrap(), Route::Group(_)));
        for bad in [
            "/api/v2/pods",
            "/apis/apps/v1/widgets",
            "/api/v1/pods/x",
            "/api/v1/namespaces/a/nodes",
            "/api/v1/namespaces/a/pods/p/exec",
            "/apis/apps/v1/namespaces/a/deployments/d/x/y",
            "/nope",
        ] {
            assert_eq!(parse_path(bad).unwrap_err().code, 404, "{bad}");
        }
    }

    #[test]
    fn negotiates_tables_and_metadata() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(&h).unwrap(), Output::Object);
        h.insert("accept", HeaderValue::from_static("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"));
        assert_eq!(negotiate(&h).unwrap(), Output::Table("v1"));
        h.insert(
            "accept",
            HeaderValue::from_static(
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
            ),
        );
        assert_eq!(negotiate(&h).unwrap(), Output::Metadata("v1"));
        h.insert("accept", HeaderValue::from_static("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"));
        assert_eq!(negotiate(&h).unwrap(), Output::Object);
        h.insert(
            "accept",
            HeaderValue::from_static("application/vnd.kubernetes.protobuf"),
        );
        assert_eq!(negotiate(&h).unwrap_err().code, 406);
    }

    #[test]
    fn queries_decode() {
        let uri: Uri = "/api/v1/pods?labelSelector=app%3Dweb%2Ctier+in+(a)&watch=1"
            .parse()
            .unwrap();
        let q = query(&uri).unwrap();
        assert_eq!(q["labelSelector"], "app=web,tier in (a)");
        assert!(flag(&q, "watch"));
    }
}
