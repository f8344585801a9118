//! The strings of a pod spec an operator may see, cleaned at intake. Written
//! once for two type families with the same field paths: the full k8s
//! `PodSpec` of Deployment and ReplicaSet templates (`intake`) and the
//! cockpit's slim cached one (`pod_intake`). A macro rather than a trait,
//! because the fields are the shared part and each type would otherwise need
//! the same list again in its impl; a field that starts to reach the screen
//! is added here, for both.

/// Cleans `$spec` (a `&mut PodSpec` of either family); `$items` cleans a
/// volume's `Option<Vec<KeyToPath>>`, whose fields differ between them.
macro_rules! clean_pod_spec {
    ($spec:expr, $items:expr) => {{
        use $crate::model::sanitize::clean_in_place;
        let spec = $spec;
        let items = $items;
        for c in spec
            .containers
            .iter_mut()
            .chain(spec.init_containers.iter_mut().flatten())
        {
            clean_in_place(&mut c.name);
            c.image.iter_mut().for_each(clean_in_place);
            // The pod detail shows which ConfigMaps and Secrets are read, and how.
            for e in c.env.iter_mut().flatten() {
                clean_in_place(&mut e.name);
                if let Some(from) = e.value_from.as_mut() {
                    if let Some(r) = from.config_map_key_ref.as_mut() {
                        clean_in_place(&mut r.name);
                        clean_in_place(&mut r.key);
                    }
                    if let Some(r) = from.secret_key_ref.as_mut() {
                        clean_in_place(&mut r.name);
                        clean_in_place(&mut r.key);
                    }
                }
            }
            for ef in c.env_from.iter_mut().flatten() {
                if let Some(r) = ef.config_map_ref.as_mut() {
                    clean_in_place(&mut r.name);
                }
                if let Some(r) = ef.secret_ref.as_mut() {
                    clean_in_place(&mut r.name);
                }
            }
            for m in c.volume_mounts.iter_mut().flatten() {
                clean_in_place(&mut m.name);
                clean_in_place(&mut m.mount_path);
            }
        }
        spec.node_name.iter_mut().for_each(clean_in_place);
        for v in spec.volumes.iter_mut().flatten() {
            clean_in_place(&mut v.name);
            if let Some(cm) = v.config_map.as_mut() {
                clean_in_place(&mut cm.name);
                items(&mut cm.items);
            }
            if let Some(sec) = v.secret.as_mut() {
                sec.secret_name.iter_mut().for_each(clean_in_place);
                items(&mut sec.items);
            }
            for src in v
                .projected
                .iter_mut()
                .flat_map(|p| p.sources.iter_mut().flatten())
            {
                if let Some(cm) = src.config_map.as_mut() {
                    clean_in_place(&mut cm.name);
                    items(&mut cm.items);
                }
                if let Some(sec) = src.secret.as_mut() {
                    clean_in_place(&mut sec.name);
                    items(&mut sec.items);
                }
            }
        }
    }};
}

pub(super) use clean_pod_spec;
