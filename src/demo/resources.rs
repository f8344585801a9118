//! The resource types the demo cluster serves. Everything generic (store,
//! routes, discovery, watch) is driven by this table, so adding a kind is
//! adding a row here plus its defaults, validation and table columns.

/// A subresource as advertised in discovery.
#[derive(Debug)]
pub struct SubresourceDef {
    pub name: &'static str,
    /// Empty when the subresource returns the parent's own kind.
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub verbs: &'static [&'static str],
}

#[derive(Debug)]
pub struct ResourceDef {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub verbs: &'static [&'static str],
    pub subresources: &'static [SubresourceDef],
    /// Upstream bumps `metadata.generation` on spec changes only for some kinds.
    pub tracks_generation: bool,
}

impl ResourceDef {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `pods`, `deployments.apps`: how the server names a resource in messages.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    pub fn has_subresource(&self, name: &str) -> bool {
        self.subresources.iter().any(|s| s.name == name)
    }
}

impl PartialEq for ResourceDef {
    fn eq(&self, other: &Self) -> bool {
        self.group == other.group && self.plural == other.plural
    }
}

const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

const STATUS_VERBS: &[&str] = &["get", "patch", "update"];

pub static NAMESPACES: ResourceDef = ResourceDef {
    group: "",
    version: "v1",
    plural: "namespaces",
    singular: "namespace",
    kind: "Namespace",
    namespaced: false,
    short_names: &["ns"],
    categories: &[],
    verbs: &[
        "create", "delete", "get", "list", "patch", "update", "watch",
    ],
    subresources: &[SubresourceDef {
        name: "status",
        group: "",
        version: "",
        kind: "Namespace",
        verbs: STATUS_VERBS,
    }],
    tracks_generation: false,
};

pub static NODES: ResourceDef = ResourceDef {
    group: "",
    version: "v1",
    plural: "nodes",
    singular: "node",
    kind: "Node",
    namespaced: false,
    short_names: &["no"],
    categories: &[],
    verbs: ALL_VERBS,
    subresources: &[SubresourceDef {
        name: "status",
        group: "",
        version: "",
        kind: "Node",
        verbs: STATUS_VERBS,
    }],
    tracks_generation: false,
};

pub static PODS: ResourceDef = ResourceDef {
    group: "",
    version: "v1",
    plural: "pods",
    singular: "pod",
    kind: "Pod",
    namespaced: true,
    short_names: &["po"],
    categories: &["all"],
    verbs: ALL_VERBS,
    subresources: &[
        SubresourceDef {
            name: "log",
            group: "",
            version: "",
            kind: "Pod",
            verbs: &["get"],
        },
        SubresourceDef {
            name: "status",
            group: "",
            version: "",
            kind: "Pod",
            verbs: STATUS_VERBS,
        },
    ],
    tracks_generation: true,
};

pub static DEPLOYMENTS: ResourceDef = ResourceDef {
    group: "apps",
    version: "v1",
    plural: "deployments",
    singular: "deployment",
    kind: "Deployment",
    namespaced: true,
    short_names: &["deploy"],
    categories: &["all"],
    verbs: ALL_VERBS,
    subresources: &[
        SubresourceDef {
            name: "scale",
            group: "autoscaling",
            version: "v1",
            kind: "Scale",
            verbs: STATUS_VERBS,
        },
        SubresourceDef {
            name: "status",
            group: "",
            version: "",
            kind: "Deployment",
            verbs: STATUS_VERBS,
        },
    ],
    tracks_generation: true,
};

pub static REPLICASETS: ResourceDef = ResourceDef {
    group: "apps",
    version: "v1",
    plural: "replicasets",
    singular: "replicaset",
    kind: "ReplicaSet",
    namespaced: true,
    short_names: &["rs"],
    categories: &["all"],
    verbs: ALL_VERBS,
    subresources: &[
        SubresourceDef {
            name: "scale",
            group: "autoscaling",
            version: "v1",
            kind: "Scale",
            verbs: STATUS_VERBS,
        },
        SubresourceDef {
            name: "status",
            group: "",
            version: "",
            kind: "ReplicaSet",
            verbs: STATUS_VERBS,
        },
    ],
    tracks_generation: true,
};

pub static STATEFULSETS: ResourceDef = ResourceDef {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    singular: "statefulset",
    kind: "StatefulSet",
    namespaced: true,
    short_names: &["sts"],
    categories: &["all"],
    verbs: ALL_VERBS,
    subresources: &[SubresourceDef {
        name: "status",
        group: "",
        version: "",
        kind: "StatefulSet",
        verbs: STATUS_VERBS,
    }],
    tracks_generation: true,
};

pub static EVENTS: ResourceDef = ResourceDef {
    group: "",
    version: "v1",
    plural: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    short_names: &["ev"],
    categories: &[],
    verbs: ALL_VERBS,
    subresources: &[],
    tracks_generation: false,
};

pub static SERVICES: ResourceDef = ResourceDef {
    group: "",
    version: "v1",
    plural: "services",
    singular: "service",
    kind: "Service",
    namespaced: true,
    short_names: &["svc"],
    categories: &["all"],
    verbs: ALL_VERBS,
    subresources: &[SubresourceDef {
        name: "status",
        group: "",
        version: "",
        kind: "Service",
        verbs: STATUS_VERBS,
    }],
    tracks_generation: false,
};

pub static CONFIGMAPS: ResourceDef = ResourceDef {
    group: "",
    version: "v1",
    plural: "configmaps",
    singular: "configmap",
    kind: "ConfigMap",
    namespaced: true,
    short_names: &["cm"],
    categories: &[],
    verbs: ALL_VERBS,
    subresources: &[],
    tracks_generation: false,
};

pub static SECRETS: ResourceDef = ResourceDef {
    group: "",
    version: "v1",
    plural: "secrets",
    singular: "secret",
    kind: "Secret",
    namespaced: true,
    short_names: &[],
    categories: &[],
    verbs: ALL_VERBS,
    subresources: &[],
    tracks_generation: false,
};

pub static ENDPOINTSLICES: ResourceDef = ResourceDef {
    group: "discovery.k8s.io",
    version: "v1",
    plural: "endpointslices",
    singular: "endpointslice",
    kind: "EndpointSlice",
    namespaced: true,
    short_names: &[],
    categories: &[],
    verbs: ALL_VERBS,
    subresources: &[],
    tracks_generation: true,
};

/// The same stored events as core/v1 `events`, in the events.k8s.io/v1
/// shape (see `demo::event_view`).
pub static EVENTS_V1: ResourceDef = ResourceDef {
    group: "events.k8s.io",
    version: "v1",
    plural: "events",
    singular: "event",
    kind: "Event",
    namespaced: true,
    short_names: &["ev"],
    categories: &[],
    verbs: ALL_VERBS,
    subresources: &[],
    tracks_generation: false,
};

pub static HORIZONTALPODAUTOSCALERS: ResourceDef = ResourceDef {
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
    singular: "horizontalpodautoscaler",
    kind: "HorizontalPodAutoscaler",
    namespaced: true,
    short_names: &["hpa"],
    categories: &["all"],
    verbs: ALL_VERBS,
    subresources: &[SubresourceDef {
        name: "status",
        group: "",
        version: "",
        kind: "HorizontalPodAutoscaler",
        verbs: STATUS_VERBS,
    }],
    tracks_generation: false,
};

/// metrics.k8s.io is served by metrics-server through an APIService: read
/// only, computed on request from the usage model (see `demo::usage`),
/// never stored.
pub static POD_METRICS: ResourceDef = ResourceDef {
    group: "metrics.k8s.io",
    version: "v1beta1",
    plural: "pods",
    singular: "",
    kind: "PodMetrics",
    namespaced: true,
    short_names: &[],
    categories: &[],
    verbs: &["get", "list"],
    subresources: &[],
    tracks_generation: false,
};

pub static NODE_METRICS: ResourceDef = ResourceDef {
    group: "metrics.k8s.io",
    version: "v1beta1",
    plural: "nodes",
    singular: "",
    kind: "NodeMetrics",
    namespaced: false,
    short_names: &[],
    categories: &[],
    verbs: &["get", "list"],
    subresources: &[],
    tracks_generation: false,
};

pub static ALL: &[&ResourceDef] = &[
    &NAMESPACES,
    &NODES,
    &PODS,
    &EVENTS,
    &DEPLOYMENTS,
    &REPLICASETS,
    &STATEFULSETS,
    &SERVICES,
    &CONFIGMAPS,
    &SECRETS,
    &ENDPOINTSLICES,
    &EVENTS_V1,
    &HORIZONTALPODAUTOSCALERS,
    &POD_METRICS,
    &NODE_METRICS,
];

/// `authorization.k8s.io/v1` "may I?" questions, answered by the policy in
/// force (see `demo::authz::review`).
pub static SELF_SUBJECT_ACCESS_REVIEWS: ResourceDef = ResourceDef {
    group: "authorization.k8s.io",
    version: "v1",
    plural: "selfsubjectaccessreviews",
    singular: "selfsubjectaccessreview",
    kind: "SelfSubjectAccessReview",
    namespaced: false,
    short_names: &[],
    categories: &[],
    verbs: &["create"],
    subresources: &[],
    tracks_generation: false,
};

/// Served by a handler of their own, never stored: create-only reviews.
pub static VIRTUAL: &[&ResourceDef] = &[&SELF_SUBJECT_ACCESS_REVIEWS];

pub fn lookup(group: &str, version: &str, plural: &str) -> Option<&'static ResourceDef> {
    ALL.iter()
        .chain(VIRTUAL)
        .copied()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Group/versions served, in discovery order (core `v1` is served under `/api`).
pub fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in ALL.iter().chain(VIRTUAL) {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}
