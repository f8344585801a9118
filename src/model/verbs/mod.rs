//! What kockpit can change in a cluster, decided without I/O. A verb is
//! one file: input = the objects already fetched and the operator's
//! parameters, output = a [`Plan`] of [`Change`]s (a patch, a create, a
//! delete or an eviction). The gate in `cluster::ops` only checks and sends.
//!
//! The verbs on one object picked on screen are listed once, in [`Verb`]:
//! each brings its keymap action name, default key and help text, the kind
//! it acts on, and its plan. The keymap, the key dispatch, the fresh read
//! and the gate are generic over it, so a new verb is its file plus its
//! line here.

pub mod change;
pub mod delete_pod;

pub use change::{
    reviewable, Change, GuardTarget, ObjectRef, Operation, PatchBody, Plan, Prepared,
    PreviewSection, Removal, Target,
};

use serde_json::Value;

use crate::model::sanitize::clean;

/// Why a verb will not plan a change (bad input, kubectl's rules): one line
/// for the operator, before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

impl Refused {
    /// Object names in the text are cluster text: sanitized here.
    pub fn new(text: impl Into<String>) -> Self {
        Refused(clean(&text.into()).into_owned())
    }
}

/// What a verb on one object declares about itself.
#[derive(Debug)]
pub struct VerbSpec {
    /// The keymap's action name (`action = "delete_pod"`): part of the
    /// config format.
    pub name: &'static str,
    /// The journal's name for it.
    pub action: &'static str,
    /// Bound unless a keymap layer binds this key to something else.
    pub key: &'static str,
    pub desc: &'static str,
    /// The listed kind it applies to (`Listing::api_kind`).
    pub kind: &'static str,
    /// The verb a SelfSubjectAccessReview asks about before the plan exists
    /// (to show the action disabled); the gate asks from the Change itself.
    pub permission: &'static str,
    /// group, version, kind, plural of the object it reads and changes.
    pub target: (&'static str, &'static str, &'static str, &'static str),
}

/// The verbs on one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verb {
    DeletePod,
}

impl Verb {
    pub const ALL: &'static [Verb] = &[Verb::DeletePod];

    pub fn spec(self) -> &'static VerbSpec {
        match self {
            Verb::DeletePod => &delete_pod::SPEC,
        }
    }

    /// The plan for `object` (read fresh, as JSON).
    pub fn plan(self, object: &Value) -> Result<Plan, Refused> {
        match self {
            Verb::DeletePod => delete_pod::plan(object),
        }
    }

    pub fn by_name(name: &str) -> Option<Verb> {
        Verb::ALL.iter().copied().find(|v| v.spec().name == name)
    }

    /// The object it acts on, by name.
    pub fn target(self, namespace: &str, name: &str) -> ObjectRef {
        ObjectRef::new(self.spec().target, namespace, name)
    }
}
