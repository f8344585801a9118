//! The kinds the cockpit watches, listed once (`kinds_list!`), and what a
//! kind with a screen is made of (`Resource`): its API type and intake, its
//! row and `/` text, its detail, and the words `:` knows it by.
//!
//! Adding a kind is one file here plus one line in `kinds_list!`. The rest
//! is generated from the list or generic over `Resource`: the `Kind` enum
//! (below), the watchers and their stores (`cluster::watch`), the rows and
//! their dispatch (`app::data`), and the list and detail screens.

use std::fmt::Debug;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::de::DeserializeOwned;

use super::intake::Intake;
use crate::model::cached::Pod;
use crate::model::doc::Doc;
use crate::model::events::EventRow;
use crate::model::rows::PodRow;
use crate::model::table::TableRow;

pub mod deployment;
pub mod detail;
pub mod event;
pub mod hpa;
pub mod pod;
pub mod statefulset;

/// Every kind watched, once. `listed` kinds have screens and implement
/// `Resource` (variant, field, module::type); `cached` kinds are only read
/// by other screens (variant, field, API type). Consumers pass a macro that
/// expands the list into what they need.
macro_rules! kinds_list {
    ($then:ident) => {
        $then! {
            listed {
                Deployments deployments deployment::Deployments,
                Pods pods pod::Pods,
                Hpas hpas hpa::Hpas,
                Events events event::Events,
                StatefulSets statefulsets statefulset::StatefulSets,
            }
            cached {
                ReplicaSets replicasets k8s_openapi::api::apps::v1::ReplicaSet,
                Services services k8s_openapi::api::core::v1::Service,
                EndpointSlices endpointslices k8s_openapi::api::discovery::v1::EndpointSlice,
            }
        }
    };
}
pub(crate) use kinds_list;

/// One kind with a list screen and (usually) a detail screen.
pub trait Resource: 'static {
    /// The object as the cache keeps it, sanitized by its `Intake` as it
    /// arrives from the watch.
    type Api: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + Debug
        + Send
        + Sync
        + Intake
        + 'static;
    /// One table row; columns, widths, drop order and sort keys come with it.
    type Row: TableRow + Clone + Debug + Send + Sync + 'static;
    /// The API's plural name (watch logs, health).
    const PLURAL: &'static str;
    /// The object's `kind`, as events name what they are about.
    const API_KIND: &'static str;
    /// The list screen's name: table titles, "no X in ns".
    const TITLE: &'static str;
    /// The detail screen's name.
    const DETAIL_TITLE: &'static str;
    /// The words `:` switches to the list with; the first is offered by
    /// completion.
    const ALIASES: &'static [&'static str];
    /// kubectl's short name, in labels such as `deploy/api`.
    const SHORT: &'static str;
    /// What Enter on a row opens.
    const ENTER: Enter = Enter::Detail;
    /// Which body the detail screen has.
    const DETAIL: DetailView = DetailView::Doc;
    /// The column a table opens sorted by (0 = NAMESPACE).
    const DEFAULT_SORT: usize = 1;
    /// Footer hints of the list and of the detail screen.
    const LIST_HINTS: &'static [&'static str] = &["/:filter", "enter:detail"];
    const DETAIL_HINTS: &'static [&'static str] = &[];

    fn row(obj: &Self::Api) -> Self::Row;
    /// The text `/` matches.
    fn search(row: &Self::Row) -> String;
    /// The pods it runs, for logs and for its detail.
    fn pod_selector(_obj: &Self::Api) -> Option<&LabelSelector> {
        None
    }
    /// The detail screen, when `DETAIL` is `DetailView::Doc`.
    fn detail(obj: &Self::Api, related: &Related<'_>, now: DateTime<Utc>) -> Doc {
        detail::basic::<Self>(obj, related, now)
    }
}

/// What Enter on a list row does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enter {
    /// The detail screen.
    Detail,
    /// The pods list, narrowed to the pods it runs.
    OwnedPods,
    /// The detail of the object the row is about (events).
    InvolvedObject,
}

/// The body of a detail screen: rich screens keep their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailView {
    /// `Resource::detail`.
    Doc,
    /// A deployment's rollout tree with its events.
    Rollout,
    /// A pod's containers, config and secrets.
    PodPage,
    /// An autoscaler's chart.
    HpaChart,
    /// No detail (events: Enter opens what they are about).
    None,
}

/// A row with the object it came from and the text `/` searches.
#[derive(Clone, Debug)]
pub struct Item<R, K> {
    pub row: R,
    pub obj: Arc<K>,
    /// Starts `namespace/name` (for events, the involved object's name),
    /// then the other columns.
    pub search: String,
}

impl<R: TableRow, K> Item<R, K> {
    /// The search text from the name on, where `/^api` anchors: the
    /// namespace prefix is `namespace/`, so no copy is needed.
    pub fn search_from_name(&self) -> &str {
        self.search
            .get(self.row.namespace().len() + 1..)
            .unwrap_or(&self.search)
    }
}

/// The cached data a detail reads besides its own object.
#[derive(Clone, Copy, Debug)]
pub struct Related<'a> {
    pub pods: &'a [Item<PodRow, Pod>],
    pub events: &'a [Item<EventRow, Event>],
    /// `events` holds every event, not only Warnings.
    pub events_complete: bool,
}

impl Related<'_> {
    /// What an empty events section says.
    pub fn no_events(&self) -> &'static str {
        detail::no_events(self.events_complete)
    }
}

/// A listed kind's constants, readable from a `Kind` at run time.
#[derive(Debug)]
pub struct Listing {
    pub title: &'static str,
    pub detail_title: &'static str,
    pub api_kind: &'static str,
    pub aliases: &'static [&'static str],
    pub short: &'static str,
    pub enter: Enter,
    pub detail: DetailView,
    pub columns: &'static [&'static str],
    pub default_sort: usize,
    pub list_hints: &'static [&'static str],
    pub detail_hints: &'static [&'static str],
}

trait Listed {
    const LISTING: Listing;
}

impl<R: Resource> Listed for R {
    const LISTING: Listing = Listing {
        title: R::TITLE,
        detail_title: R::DETAIL_TITLE,
        api_kind: R::API_KIND,
        aliases: R::ALIASES,
        short: R::SHORT,
        enter: R::ENTER,
        detail: R::DETAIL,
        columns: <R::Row as TableRow>::COLUMNS,
        default_sort: R::DEFAULT_SORT,
        list_hints: R::LIST_HINTS,
        detail_hints: R::DETAIL_HINTS,
    };
}

macro_rules! define_kind {
    (
        listed { $($lk:ident $lf:ident $m:ident::$r:ident,)* }
        cached { $($ck:ident $cf:ident $ct:ty,)* }
    ) => {
        /// A watched kind, or one of the two other things that wake the UI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind {
            $($lk,)*
            $($ck,)*
            /// Not watched: polled from metrics.k8s.io, which has no watch.
            Metrics,
            /// Not a resource: a watcher's health changed (error or recovery).
            Health,
        }

        const WATCHED: usize = [$(stringify!($lk),)* $(stringify!($ck),)*].len();
        const LISTED: usize = [$(stringify!($lk),)*].len();

        impl Kind {
            /// Every watched kind.
            pub const RESOURCES: [Kind; WATCHED] = [$(Kind::$lk,)* $(Kind::$ck,)*];
            /// The kinds with a list screen.
            pub const LISTED: [Kind; LISTED] = [$(Kind::$lk,)*];

            pub fn label(self) -> &'static str {
                match self {
                    $(Kind::$lk => <$m::$r as Resource>::PLURAL,)*
                    $(Kind::$ck => stringify!($cf),)*
                    Kind::Metrics => "metrics",
                    Kind::Health => "health",
                }
            }

            /// Titles, aliases, hints... of a kind with screens.
            pub fn listing(self) -> Option<&'static Listing> {
                match self {
                    $(Kind::$lk => Some(&<$m::$r as Listed>::LISTING),)*
                    $(Kind::$ck)|* | Kind::Metrics | Kind::Health => None,
                }
            }
        }
    };
}

kinds_list!(define_kind);

impl Kind {
    /// The listed kind `:word` names.
    pub fn from_word(word: &str) -> Option<Kind> {
        Kind::LISTED
            .into_iter()
            .find(|k| k.listing().is_some_and(|l| l.aliases.contains(&word)))
    }

    /// The listed kind with a detail screen whose objects have this `kind`.
    pub fn from_api_kind(api_kind: &str) -> Option<Kind> {
        Kind::LISTED.into_iter().find(|k| {
            k.listing()
                .is_some_and(|l| l.api_kind == api_kind && l.detail != DetailView::None)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_kind_has_screens_and_words() {
        let mut words = std::collections::HashSet::new();
        for k in Kind::LISTED {
            let l = k.listing().expect("listed kinds have a listing");
            assert!(!l.aliases.is_empty(), "{k:?} has no `:` word");
            for w in l.aliases {
                assert!(words.insert(*w), "`:{w}` names two kinds");
                assert_eq!(Kind::from_word(w), Some(k));
            }
            assert_eq!(l.columns.first(), Some(&"NAMESPACE"), "{k:?}");
            assert!(l.default_sort < l.columns.len(), "{k:?}");
        }
        for k in Kind::RESOURCES {
            assert_ne!(k.label(), "", "{k:?}");
        }
        assert!(Kind::Metrics.listing().is_none());
        assert!(Kind::ReplicaSets.listing().is_none());
    }

    #[test]
    fn words_and_api_kinds_resolve() {
        assert_eq!(Kind::from_word("sts"), Some(Kind::StatefulSets));
        assert_eq!(Kind::from_word("statefulset"), Some(Kind::StatefulSets));
        assert_eq!(Kind::from_word("po"), Some(Kind::Pods));
        assert_eq!(Kind::from_word("nonsense"), None);
        assert_eq!(
            Kind::from_api_kind("HorizontalPodAutoscaler"),
            Some(Kind::Hpas)
        );
        assert_eq!(Kind::from_api_kind("StatefulSet"), Some(Kind::StatefulSets));
        // Events have no detail of their own; ReplicaSets have no screen.
        assert_eq!(Kind::from_api_kind("Event"), None);
        assert_eq!(Kind::from_api_kind("ReplicaSet"), None);
    }
}
