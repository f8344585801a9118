//! Garbage collection (dependents whose controller owner is gone) and the
//! namespace controller (a Terminating namespace is emptied, then removed).

use std::collections::HashSet;

use super::Pass;
use crate::demo::meta;
use crate::demo::registry::{DeleteOptions, Registry};
use crate::demo::resources::{
    ResourceDef, ALL, DEPLOYMENTS, ENDPOINTSLICES, NAMESPACES, PODS, REPLICASETS, SERVICES,
};
use crate::demo::store::Write;

/// Dependents and the kind of their controller owner.
const OWNERSHIP: &[(&ResourceDef, &ResourceDef)] = &[
    (&REPLICASETS, &DEPLOYMENTS),
    (&PODS, &REPLICASETS),
    (&ENDPOINTSLICES, &SERVICES),
];

pub fn sync(reg: &Registry) -> Pass {
    let mut pass = Pass::default();
    for (dependent, owner) in OWNERSHIP {
        let (owners, _) = reg.store.list(owner, None);
        let live: HashSet<&str> = owners.iter().map(|o| meta::uid(o)).collect();
        let (items, _) = reg.store.list(dependent, None);
        for item in &items {
            let Some(owner_uid) = meta::controller_uid(item) else {
                continue;
            };
            let owned_by_kind = meta::at(item, &["metadata", "ownerReferences"])
                .and_then(|r| r.as_array())
                .is_some_and(|refs| {
                    refs.iter().any(|r| {
                        r.get("uid").and_then(|u| u.as_str()) == Some(owner_uid)
                            && r.get("kind").and_then(|k| k.as_str()) == Some(owner.kind)
                    })
                });
            if owned_by_kind && !live.contains(owner_uid) && !meta::is_deleting(item) {
                let res: &'static ResourceDef = dependent;
                if reg
                    .delete(
                        res,
                        meta::namespace(item),
                        meta::name(item),
                        &DeleteOptions::default(),
                    )
                    .is_ok()
                {
                    pass.changed = true;
                }
            }
        }
    }
    pass.merge(sync_namespaces(reg));
    pass
}

fn sync_namespaces(reg: &Registry) -> Pass {
    let mut pass = Pass::default();
    let (namespaces, _) = reg.store.list(&NAMESPACES, None);
    for ns in namespaces.iter().filter(|n| meta::is_deleting(n)) {
        let name = meta::name(ns);
        let mut remaining = 0;
        for res in ALL.iter().filter(|r| r.namespaced) {
            let (items, _) = reg.store.list(res, Some(name));
            remaining += items.len();
            for item in items.iter().filter(|i| !meta::is_deleting(i)) {
                if reg
                    .delete(res, name, meta::name(item), &DeleteOptions::default())
                    .is_ok()
                {
                    pass.changed = true;
                }
            }
        }
        if remaining == 0
            && reg
                .store
                .update(&NAMESPACES, "", name, false, |_| Ok(Write::Remove))
                .is_ok()
        {
            pass.changed = true;
        }
    }
    pass
}
