//! The root CA publisher (pkg/controller/certificates/rootcacertpublisher):
//! every active namespace holds a `kube-root-ca.crt` ConfigMap with the
//! cluster's CA bundle, which the service-account volume of every pod
//! mounts; an edited or deleted one is put back.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use super::Pass;
use crate::demo::meta;
use crate::demo::registry::{Part, Registry};
use crate::demo::resources::{CONFIGMAPS, NAMESPACES};

pub const NAME: &str = "kube-root-ca.crt";
const DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/// A certificate-shaped PEM block of fixed pseudo-random bytes: the demo
/// cluster has no real CA, and nothing verifies against this one.
pub fn bundle() -> String {
    let mut state: u32 = 0x6b6f_636b;
    let bytes: Vec<u8> = (0..760)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (state >> 16) as u8
        })
        .collect();
    let body = STANDARD.encode(&bytes);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

pub fn sync(reg: &Registry) -> Pass {
    let mut pass = Pass::default();
    let (namespaces, _) = reg.store.list(&NAMESPACES, None);
    let want = bundle();
    for ns in namespaces.iter().filter(|n| !meta::is_deleting(n)) {
        let ns = meta::name(ns);
        match reg.store.get(&CONFIGMAPS, ns, NAME) {
            None => {
                let cm = json!({
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": NAME, "namespace": ns,
                        "annotations": {"kubernetes.io/description": DESCRIPTION}},
                    "data": {"ca.crt": want},
                });
                pass.changed |= reg.create_internal(&CONFIGMAPS, cm).is_ok();
            }
            Some(cm) if meta::str_at(&cm, &["data", "ca.crt"]) != Some(want.as_str()) => {
                let fixed = reg.mutate(&CONFIGMAPS, ns, NAME, Part::Main, |c| {
                    meta::set(c, &["data"], json!({"ca.crt": want}));
                    meta::remove(c, &["binaryData"]);
                });
                pass.changed |= fixed.is_ok();
            }
            Some(_) => {}
        }
    }
    pass
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::clock::Clock;
    use crate::demo::store::Store;
    use std::sync::Arc;

    #[test]
    fn every_namespace_gets_the_bundle_back() {
        let reg = Registry::new(Arc::new(Store::new(100)), Arc::new(Clock::new(1.0)));
        for ns in ["default", "shop"] {
            reg.create_internal(&NAMESPACES, json!({"metadata": {"name": ns}}))
                .unwrap();
        }
        assert!(sync(&reg).changed);
        assert!(!sync(&reg).changed, "nothing to do the second time");
        let cm = reg.get(&CONFIGMAPS, "shop", NAME).unwrap();
        let pem = cm["data"]["ca.crt"].as_str().unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        reg.mutate(&CONFIGMAPS, "shop", NAME, Part::Main, |c| {
            c["data"]["ca.crt"] = json!("tampered");
        })
        .unwrap();
        assert!(sync(&reg).changed);
        assert_eq!(
            reg.get(&CONFIGMAPS, "shop", NAME).unwrap()["data"]["ca.crt"],
            json!(bundle())
        );
    }
}
