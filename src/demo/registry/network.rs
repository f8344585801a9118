//! Write rules of Services, ConfigMaps, Secrets and EndpointSlices, after the
//! API server's strategies: service defaults and ClusterIP / NodePort
//! allocation (values carried over on update like `patchAllocatedValues`),
//! `Secret.stringData` folded into base64 `data`, config-key validation and
//! `immutable`.

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::{alphabet, DecodeError, Engine};
use serde_json::{json, Value};

use super::Registry;
use crate::demo::error::{ApiError, FieldCause};
use crate::demo::ids;
use crate::demo::meta;
use crate::demo::resources::{ResourceDef, SERVICES};

/// The default `--service-cluster-ip-range`.
const SERVICE_CIDR: (Ipv4Addr, u32) = (Ipv4Addr::new(10, 96, 0, 0), 12);
/// Dynamic allocations avoid the low "static" band kept for hand-picked IPs
/// (min(max(16, size/16), 256) addresses upstream).
const STATIC_BAND: u32 = 256;
const NODE_PORTS: (u16, u16) = (30000, 32767);

const CONFIG_KEY_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

fn default_field(v: &mut Value, path: &[&str], value: Value) {
    if meta::at(v, path).is_none_or(|x| x.is_null() || x == "") {
        meta::set(v, path, value);
    }
}

fn not_supported(field: &str, value: &str, supported: &[&str]) -> FieldCause {
    let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
    FieldCause {
        reason: "FieldValueNotSupported",
        field: field.to_string(),
        message: format!(
            "Unsupported value: {value:?}: supported values: {}",
            list.join(", ")
        ),
    }
}

fn finish(res: &ResourceDef, obj: &Value, causes: Vec<FieldCause>) -> Result<(), ApiError> {
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(res, meta::name(obj), causes))
    }
}

/// Runs on create, after the generic defaults and before storing.
pub fn prepare_create(reg: &Registry, res: &ResourceDef, obj: &mut Value) -> Result<(), ApiError> {
    match res.plural {
        "services" => {
            service_defaults(obj);
            validate_service(res, obj)?;
            let (existing, _) = reg.store.list(&SERVICES, None);
            let used_ips: HashSet<String> = existing
                .iter()
                .filter_map(|s| meta::str_at(s, &["spec", "clusterIP"]).map(String::from))
                .collect();
            let used_ports: HashSet<i64> = existing
                .iter()
                .flat_map(|s| ports(s).to_vec())
                .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
                .collect();
            allocate(res, obj, &used_ips, &used_ports)?;
            meta::set(obj, &["status"], json!({"loadBalancer": {}}));
            Ok(())
        }
        "configmaps" => validate_config_map(res, obj),
        "secrets" => {
            fold_string_data(res, obj)?;
            validate_secret(res, obj)
        }
        "endpointslices" => validate_endpoint_slice(res, obj),
        _ => Ok(()),
    }
}

/// Runs on update (under the store lock: nothing here may read the store).
pub fn prepare_update(res: &ResourceDef, current: &Value, obj: &mut Value) -> Result<(), ApiError> {
    match res.plural {
        "services" => {
            service_defaults(obj);
            carry_allocated(current, obj);
            validate_service(res, obj)?;
            let mut causes = Vec::new();
            let old_ip = meta::str_at(current, &["spec", "clusterIP"]).unwrap_or("");
            let new_ip = meta::str_at(obj, &["spec", "clusterIP"]).unwrap_or("");
            let external = |o: &Value| meta::str_at(o, &["spec", "type"]) == Some("ExternalName");
            if !external(current) && !external(obj) && old_ip != new_ip {
                causes.push(FieldCause::invalid(
                    "spec.clusterIPs[0]",
                    format!("{new_ip:?}"),
                    "may not change once set",
                ));
            }
            finish(res, obj, causes)?;
            // Leaving ExternalName needs an address; the range is large
            // enough that a random pick does not collide in a demo.
            allocate(res, obj, &HashSet::new(), &HashSet::new())
        }
        "configmaps" => {
            immutable_checks(res, current, obj, &["data", "binaryData"])?;
            validate_config_map(res, obj)
        }
        "secrets" => {
            fold_string_data(res, obj)?;
            immutable_checks(res, current, obj, &["data"])?;
            let old_type = meta::str_at(current, &["type"]).unwrap_or("Opaque");
            let new_type = meta::str_at(obj, &["type"]).unwrap_or("Opaque");
            if old_type != new_type {
                return Err(ApiError::invalid(
                    res,
                    meta::name(obj),
                    vec![FieldCause::invalid(
                        "type",
                        format!("{new_type:?}"),
                        "field is immutable",
                    )],
                ));
            }
            validate_secret(res, obj)
        }
        "endpointslices" => {
            let old = meta::str_at(current, &["addressType"]);
            let new = meta::str_at(obj, &["addressType"]);
            if old != new {
                return Err(ApiError::invalid(
                    res,
                    meta::name(obj),
                    vec![FieldCause::invalid(
                        "addressType",
                        format!("{:?}", new.unwrap_or("")),
                        "field is immutable",
                    )],
                ));
            }
            validate_endpoint_slice(res, obj)
        }
        _ => Ok(()),
    }
}

/// The fields whose change bumps `metadata.generation` of kinds without a
/// `spec` (EndpointSlice counts its endpoints, ports and address type).
pub fn generation_fields<'a>(res: &ResourceDef, obj: &'a Value) -> Vec<Option<&'a Value>> {
    match res.plural {
        "endpointslices" => vec![
            obj.get("endpoints"),
            obj.get("ports"),
            obj.get("addressType"),
        ],
        _ => vec![obj.get("spec")],
    }
}

fn ports(svc: &Value) -> &[Value] {
    meta::at(svc, &["spec", "ports"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn service_type(svc: &Value) -> &str {
    meta::str_at(svc, &["spec", "type"]).unwrap_or("ClusterIP")
}

fn service_defaults(svc: &mut Value) {
    default_field(svc, &["spec", "type"], json!("ClusterIP"));
    default_field(svc, &["spec", "sessionAffinity"], json!("None"));
    let kind = service_type(svc).to_string();
    if kind != "ExternalName" {
        default_field(svc, &["spec", "internalTrafficPolicy"], json!("Cluster"));
    }
    if kind == "NodePort" || kind == "LoadBalancer" {
        default_field(svc, &["spec", "externalTrafficPolicy"], json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        default_field(svc, &["spec", "allocateLoadBalancerNodePorts"], json!(true));
    }
    if let Some(ps) = meta::at(svc, &["spec", "ports"]).cloned() {
        let Value::Array(mut ps) = ps else { return };
        for p in &mut ps {
            default_field(p, &["protocol"], json!("TCP"));
            let port = p.get("port").cloned().unwrap_or(Value::Null);
            let unset = match p.get("targetPort") {
                None | Some(Value::Null) => true,
                Some(v) => v == 0 || v == "",
            };
            if unset {
                meta::set(p, &["targetPort"], port);
            }
        }
        meta::set(svc, &["spec", "ports"], Value::Array(ps));
    }
}

/// `patchAllocatedValues`: an update that leaves out the allocated ClusterIP
/// or node ports keeps the ones the object has.
fn carry_allocated(current: &Value, svc: &mut Value) {
    let kind = service_type(svc).to_string();
    if kind == "ExternalName" || service_type(current) == "ExternalName" {
        return;
    }
    for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
        if let Some(v) = meta::at(current, &["spec", field]).cloned() {
            default_field(svc, &["spec", field], v);
        }
    }
    if kind == "NodePort" || kind == "LoadBalancer" {
        let old: BTreeMap<i64, i64> = ports(current)
            .iter()
            .filter_map(|p| Some((p.get("port")?.as_i64()?, p.get("nodePort")?.as_i64()?)))
            .collect();
        if let Some(Value::Array(ps)) = meta::at(svc, &["spec", "ports"]).cloned() {
            let ps: Vec<Value> = ps
                .into_iter()
                .map(|mut p| {
                    let port = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                    let missing = p.get("nodePort").and_then(Value::as_i64).unwrap_or(0) == 0;
                    if let (true, Some(n)) = (missing, old.get(&port)) {
                        meta::set(&mut p, &["nodePort"], json!(n));
                    }
                    p
                })
                .collect();
            meta::set(svc, &["spec", "ports"], Value::Array(ps));
        }
    }
}

fn ip_in_range(ip: Ipv4Addr) -> bool {
    let (base, bits) = SERVICE_CIDR;
    let mask = u32::MAX << (32 - bits);
    u32::from(ip) & mask == u32::from(base)
}

fn random_ip(used: &HashSet<String>) -> Option<Ipv4Addr> {
    let (base, bits) = SERVICE_CIDR;
    let size = 1u32 << (32 - bits);
    for _ in 0..64 {
        let r = u32::from_str_radix(&ids::hex(8), 16).unwrap_or(0);
        // Skip the network and broadcast addresses and the static band.
        let offset = STATIC_BAND + r % (size - STATIC_BAND - 1);
        let ip = Ipv4Addr::from(u32::from(base) + offset);
        if !used.contains(&ip.to_string()) {
            return Some(ip);
        }
    }
    None
}

fn allocate(
    res: &ResourceDef,
    svc: &mut Value,
    used_ips: &HashSet<String>,
    used_ports: &HashSet<i64>,
) -> Result<(), ApiError> {
    let kind = service_type(svc).to_string();
    let name = meta::name(svc).to_string();
    let fail = |field: &str, value: String, why: String| {
        ApiError::invalid(res, &name, vec![FieldCause::invalid(field, value, &why)])
    };
    if kind == "ExternalName" {
        for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] {
            meta::remove(svc, &["spec", field]);
        }
        return Ok(());
    }
    let requested = meta::str_at(svc, &["spec", "clusterIP"])
        .unwrap_or("")
        .to_string();
    let ip = match requested.as_str() {
        "" => random_ip(used_ips)
            .map(|ip| ip.to_string())
            .ok_or_else(|| ApiError::internal("failed to allocate a serviceIP: range is full"))?,
        "None" => "None".to_string(),
        other => {
            let parsed: Ipv4Addr = other.parse().map_err(|_| {
                fail(
                    "spec.clusterIPs[0]",
                    format!("{other:?}"),
                    "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".into(),
                )
            })?;
            if !ip_in_range(parsed) {
                return Err(fail(
                    "spec.clusterIPs",
                    format!("[]string{{{other:?}}}"),
                    format!("failed to allocate IP {other}: the provided IP ({other}) is not in the valid range. The range of valid IPs is 10.96.0.0/12"),
                ));
            }
            if used_ips.contains(other) {
                return Err(fail(
                    "spec.clusterIPs",
                    format!("[]string{{{other:?}}}"),
                    format!("failed to allocate IP {other}: provided IP is already allocated"),
                ));
            }
            other.to_string()
        }
    };
    meta::set(svc, &["spec", "clusterIP"], json!(ip));
    meta::set(svc, &["spec", "clusterIPs"], json!([ip]));
    default_field(svc, &["spec", "ipFamilies"], json!(["IPv4"]));
    default_field(svc, &["spec", "ipFamilyPolicy"], json!("SingleStack"));
    let wants_node_ports = kind == "NodePort"
        || (kind == "LoadBalancer"
            && meta::at(svc, &["spec", "allocateLoadBalancerNodePorts"]) != Some(&json!(false)));
    if wants_node_ports {
        let mut taken = used_ports.clone();
        let mut ps = ports(svc).to_vec();
        for p in &mut ps {
            if p.get("nodePort").and_then(Value::as_i64).unwrap_or(0) != 0 {
                continue;
            }
            let span = u64::from(NODE_PORTS.1 - NODE_PORTS.0) + 1;
            let start = u64::from_str_radix(&ids::hex(8), 16).unwrap_or(0) % span;
            let free = (0..span)
                .map(|i| i64::from(NODE_PORTS.0) + ((start + i) % span) as i64)
                .find(|n| !taken.contains(n))
                .ok_or_else(|| {
                    ApiError::internal("failed to allocate a nodePort: range is full")
                })?;
            taken.insert(free);
            meta::set(p, &["nodePort"], json!(free));
        }
        meta::set(svc, &["spec", "ports"], Value::Array(ps));
    }
    Ok(())
}

fn port_number(v: Option<&Value>) -> Option<i64> {
    v.and_then(Value::as_i64)
}

fn validate_service(res: &ResourceDef, svc: &Value) -> Result<(), ApiError> {
    let mut causes = Vec::new();
    let kind = service_type(svc);
    const TYPES: &[&str] = &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    if !TYPES.contains(&kind) {
        causes.push(not_supported("spec.type", kind, TYPES));
    }
    let affinity = meta::str_at(svc, &["spec", "sessionAffinity"]).unwrap_or("None");
    if !["ClientIP", "None"].contains(&affinity) {
        causes.push(not_supported(
            "spec.sessionAffinity",
            affinity,
            &["ClientIP", "None"],
        ));
    }
    let headless = meta::str_at(svc, &["spec", "clusterIP"]) == Some("None");
    let ps = ports(svc);
    if kind == "ExternalName" {
        if meta::str_at(svc, &["spec", "externalName"]).is_none_or(str::is_empty) {
            causes.push(FieldCause::required("spec.externalName"));
        }
    } else if ps.is_empty() && !headless {
        causes.push(FieldCause::required("spec.ports"));
    }
    let mut names = Vec::new();
    for (i, p) in ps.iter().enumerate() {
        let at = format!("spec.ports[{i}]");
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        if ps.len() > 1 && name.is_empty() {
            causes.push(FieldCause::required(&format!("{at}.name")));
        } else if !name.is_empty() && names.contains(&name) {
            causes.push(FieldCause {
                reason: "FieldValueDuplicate",
                field: format!("{at}.name"),
                message: format!("Duplicate value: {name:?}"),
            });
        }
        names.push(name);
        match port_number(p.get("port")) {
            Some(n) if (1..=65535).contains(&n) => {}
            _ => causes.push(FieldCause::invalid(
                &format!("{at}.port"),
                p.get("port").cloned().unwrap_or(json!(0)),
                "must be between 1 and 65535, inclusive",
            )),
        }
        let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
        const PROTOCOLS: &[&str] = &["SCTP", "TCP", "UDP"];
        if !PROTOCOLS.contains(&protocol) {
            causes.push(not_supported(
                &format!("{at}.protocol"),
                protocol,
                PROTOCOLS,
            ));
        }
        if let Some(n) = p.get("targetPort").and_then(Value::as_i64) {
            if !(1..=65535).contains(&n) {
                causes.push(FieldCause::invalid(
                    &format!("{at}.targetPort"),
                    n,
                    "must be between 1 and 65535, inclusive",
                ));
            }
        }
    }
    finish(res, svc, causes)
}

fn valid_config_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k != "."
        && k != ".."
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn check_keys(obj: &Value, field: &str, causes: &mut Vec<FieldCause>) {
    if let Some(m) = obj.get(field).and_then(Value::as_object) {
        for k in m.keys().filter(|k| !valid_config_key(k)) {
            causes.push(FieldCause::invalid(
                &format!("{field}[{k}]"),
                format!("{k:?}"),
                CONFIG_KEY_MSG,
            ));
        }
    }
}

/// Go's `base64.StdEncoding`, which its JSON decoding uses for `[]byte`:
/// padded, and lenient about the unused bits of the last symbol.
const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Where Go's decoder stops on `text` (`illegal base64 data at input byte
/// N`): the first byte that cannot be base64, or the start of an incomplete
/// last group.
fn illegal_base64_at(text: &str) -> Option<usize> {
    if !text.len().is_multiple_of(4) {
        return Some(text.len() / 4 * 4);
    }
    match GO_STD.decode(text) {
        Ok(_) => None,
        Err(DecodeError::InvalidByte(at, _)) => Some(at),
        Err(DecodeError::InvalidLastSymbol { offset, .. }) => Some(offset),
        // The length is a multiple of four, so the last group is complete.
        Err(DecodeError::InvalidLength(_) | DecodeError::InvalidPadding) => {
            Some(text.len().saturating_sub(4))
        }
    }
}

/// A `[]byte` map must hold base64 strings; Go's JSON decoding refuses
/// anything else before validation runs.
fn check_base64(res: &ResourceDef, obj: &Value, field: &str) -> Result<(), ApiError> {
    let Some(m) = obj.get(field).and_then(Value::as_object) else {
        return Ok(());
    };
    for v in m.values() {
        let bad = match v.as_str() {
            Some(s) => illegal_base64_at(s),
            None => Some(0),
        };
        if let Some(at) = bad {
            return Err(ApiError::bad_request(format!(
                "{kind} in version \"v1\" cannot be handled as a {kind}: illegal base64 data at input byte {at}",
                kind = res.kind
            )));
        }
    }
    Ok(())
}

fn validate_config_map(res: &ResourceDef, cm: &Value) -> Result<(), ApiError> {
    check_base64(res, cm, "binaryData")?;
    let mut causes = Vec::new();
    check_keys(cm, "data", &mut causes);
    check_keys(cm, "binaryData", &mut causes);
    if let Some(m) = cm.get("data").and_then(Value::as_object) {
        for (k, v) in m.iter().filter(|(_, v)| !v.is_string()) {
            causes.push(FieldCause::invalid(
                &format!("data[{k}]"),
                v,
                "must be a string",
            ));
        }
    }
    let data = cm.get("data").and_then(Value::as_object);
    if let Some(bin) = cm.get("binaryData").and_then(Value::as_object) {
        for k in bin
            .keys()
            .filter(|k| data.is_some_and(|d| d.contains_key(*k)))
        {
            causes.push(FieldCause::invalid(
                &format!("binaryData[{k}]"),
                format!("{k:?}"),
                "duplicate of key present in data",
            ));
        }
    }
    finish(res, cm, causes)
}

/// `stringData` is write-only: its entries overwrite `data` as base64.
fn fold_string_data(res: &ResourceDef, secret: &mut Value) -> Result<(), ApiError> {
    let Some(string_data) = meta::remove(secret, &["stringData"]) else {
        return Ok(());
    };
    let Value::Object(entries) = string_data else {
        return Err(ApiError::bad_request(format!(
            "{kind} in version \"v1\" cannot be handled as a {kind}: stringData must be a map of strings",
            kind = res.kind
        )));
    };
    for (k, v) in entries {
        let Some(text) = v.as_str() else {
            return Err(ApiError::bad_request(format!(
                "{kind} in version \"v1\" cannot be handled as a {kind}: stringData[{k}] must be a string",
                kind = res.kind
            )));
        };
        meta::obj_mut(secret, &["data"]).insert(k, json!(STANDARD.encode(text.as_bytes())));
    }
    Ok(())
}

fn validate_secret(res: &ResourceDef, secret: &mut Value) -> Result<(), ApiError> {
    check_base64(res, secret, "data")?;
    default_field(secret, &["type"], json!("Opaque"));
    let mut causes = Vec::new();
    check_keys(secret, "data", &mut causes);
    let has = |k: &str| meta::at(secret, &["data", k]).is_some();
    let required: &[&str] = match meta::str_at(secret, &["type"]).unwrap_or("") {
        "kubernetes.io/tls" => &["tls.crt", "tls.key"],
        "kubernetes.io/dockerconfigjson" => &[".dockerconfigjson"],
        "kubernetes.io/dockercfg" => &[".dockercfg"],
        "kubernetes.io/basic-auth" | "kubernetes.io/ssh-auth" => &[],
        _ => &[],
    };
    for k in required.iter().filter(|k| !has(k)) {
        causes.push(FieldCause::required(&format!("data[{k}]")));
    }
    if meta::str_at(secret, &["type"]) == Some("kubernetes.io/ssh-auth") && !has("ssh-privatekey") {
        causes.push(FieldCause::required("data[ssh-privatekey]"));
    }
    finish(res, secret, causes)
}

fn immutable_checks(
    res: &ResourceDef,
    current: &Value,
    obj: &Value,
    fields: &[&str],
) -> Result<(), ApiError> {
    if current.get("immutable") != Some(&json!(true)) {
        return Ok(());
    }
    let mut causes = Vec::new();
    for f in fields {
        let empty =
            |v: Option<&Value>| v.is_none_or(|v| v.as_object().is_some_and(|m| m.is_empty()));
        let (a, b) = (current.get(*f), obj.get(*f));
        if a != b && !(empty(a) && empty(b)) {
            causes.push(FieldCause::forbidden(
                f,
                "field is immutable when `immutable` is set",
            ));
        }
    }
    if obj.get("immutable") != Some(&json!(true)) {
        causes.push(FieldCause::forbidden(
            "immutable",
            "field is immutable when `immutable` is set",
        ));
    }
    finish(res, obj, causes)
}

fn validate_endpoint_slice(res: &ResourceDef, slice: &Value) -> Result<(), ApiError> {
    let mut causes = Vec::new();
    const TYPES: &[&str] = &["FQDN", "IPv4", "IPv6"];
    match meta::str_at(slice, &["addressType"]) {
        None | Some("") => causes.push(FieldCause::required("addressType")),
        Some(t) if !TYPES.contains(&t) => causes.push(not_supported("addressType", t, TYPES)),
        Some(_) => {}
    }
    let endpoints = slice
        .get("endpoints")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (i, ep) in endpoints.iter().enumerate() {
        let n = ep
            .get("addresses")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if n == 0 {
            causes.push(FieldCause::required(&format!("endpoints[{i}].addresses")));
        }
    }
    finish(res, slice, causes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::resources::{CONFIGMAPS, SECRETS};

    #[test]
    fn service_defaults_and_allocation() {
        let mut svc = json!({"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"},
            "ports": [{"port": 80}]}});
        service_defaults(&mut svc);
        allocate(&SERVICES, &mut svc, &HashSet::new(), &HashSet::new()).unwrap();
        assert_eq!(svc["spec"]["type"], "ClusterIP");
        assert_eq!(svc["spec"]["sessionAffinity"], "None");
        assert_eq!(svc["spec"]["ports"][0]["protocol"], "TCP");
        assert_eq!(svc["spec"]["ports"][0]["targetPort"], 80);
        let ip: Ipv4Addr = svc["spec"]["clusterIP"].as_str().unwrap().parse().unwrap();
        assert!(ip_in_range(ip) && u32::from(ip) - u32::from(SERVICE_CIDR.0) >= STATIC_BAND);
        assert_eq!(svc["spec"]["clusterIPs"], json!([ip.to_string()]));

        let mut np = json!({"metadata": {"name": "np"}, "spec": {"type": "NodePort", "ports": [{"port": 80, "targetPort": "http"}]}});
        service_defaults(&mut np);
        allocate(&SERVICES, &mut np, &HashSet::new(), &HashSet::new()).unwrap();
        let node_port = np["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
        assert!((30000..=32767).contains(&node_port));
        assert_eq!(np["spec"]["ports"][0]["targetPort"], "http");

        let taken: HashSet<String> = ["10.96.5.5".to_string()].into();
        let mut fixed = json!({"metadata": {"name": "f"}, "spec": {"clusterIP": "10.96.5.5", "ports": [{"port": 1}]}});
        let err = allocate(&SERVICES, &mut fixed, &taken, &HashSet::new()).unwrap_err();
        assert!(
            err.message.contains("provided IP is already allocated"),
            "{}",
            err.message
        );
        fixed["spec"]["clusterIP"] = json!("192.168.0.1");
        let err = allocate(&SERVICES, &mut fixed, &HashSet::new(), &HashSet::new()).unwrap_err();
        assert!(
            err.message.contains("not in the valid range"),
            "{}",
            err.message
        );
    }

    #[test]
    fn updates_keep_the_cluster_ip_and_refuse_to_change_it() {
        let current = json!({"metadata": {"name": "web"}, "spec": {"type": "ClusterIP", "clusterIP": "10.96.7.7",
            "clusterIPs": ["10.96.7.7"], "ports": [{"port": 80}]}});
        let mut replaced = json!({"metadata": {"name": "web"}, "spec": {"ports": [{"port": 81}]}});
        prepare_update(&SERVICES, &current, &mut replaced).unwrap();
        assert_eq!(replaced["spec"]["clusterIP"], "10.96.7.7");
        let mut moved = json!({"metadata": {"name": "web"}, "spec": {"clusterIP": "10.96.8.8", "ports": [{"port": 81}]}});
        let err = prepare_update(&SERVICES, &current, &mut moved).unwrap_err();
        assert!(
            err.message.contains("may not change once set"),
            "{}",
            err.message
        );
    }

    #[test]
    fn service_validation_messages() {
        let mut svc = json!({"metadata": {"name": "web"}, "spec": {"type": "Bogus",
            "ports": [{"port": 0, "name": "a"}, {"port": 80, "name": "a", "protocol": "ICMP"}]}});
        service_defaults(&mut svc);
        let err = validate_service(&SERVICES, &svc).unwrap_err();
        for want in [
            "spec.type: Unsupported value: \"Bogus\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[1].name: Duplicate value: \"a\"",
            "spec.ports[1].protocol: Unsupported value: \"ICMP\"",
        ] {
            assert!(err.message.contains(want), "{want} in {}", err.message);
        }
        let no_ports = json!({"metadata": {"name": "x"}, "spec": {"type": "ClusterIP"}});
        let err = validate_service(&SERVICES, &no_ports).unwrap_err();
        assert_eq!(
            err.message,
            "Service \"x\" is invalid: spec.ports: Required value"
        );
    }

    #[test]
    fn base64_is_gos_standard_encoding() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(STANDARD.encode(plain.as_bytes()), coded);
            assert_eq!(GO_STD.decode(coded).unwrap(), plain.as_bytes());
        }
        assert_eq!(
            GO_STD.decode(STANDARD.encode([0, 255, 128, 7])).unwrap(),
            [0, 255, 128, 7]
        );
    }

    #[test]
    fn base64_errors_name_the_first_bad_byte() {
        assert_eq!(illegal_base64_at("Zm9v!mFy"), Some(4));
        assert_eq!(illegal_base64_at("Zm9"), Some(0));
        assert_eq!(illegal_base64_at("Zg==Zm9v"), Some(2));
        // Go reads left to right: a bad byte before a misplaced `=` wins.
        assert_eq!(illegal_base64_at("A!A=AAAA"), Some(1));
        assert_eq!(illegal_base64_at("Zm9vYmFy"), None);
    }

    #[test]
    fn secrets_fold_string_data_and_check_base64() {
        let mut s = json!({"metadata": {"name": "s"}, "data": {"a": "YQ=="}, "stringData": {"b": "bee", "a": "ay"}});
        fold_string_data(&SECRETS, &mut s).unwrap();
        validate_secret(&SECRETS, &mut s).unwrap();
        assert_eq!(s["data"], json!({"a": "YXk=", "b": "YmVl"}));
        assert!(s.get("stringData").is_none());
        assert_eq!(s["type"], "Opaque");
        let mut bad = json!({"metadata": {"name": "s"}, "data": {"a": "not base64!"}});
        let err = validate_secret(&SECRETS, &mut bad).unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.starts_with("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte"), "{}", err.message);
        let mut tls = json!({"metadata": {"name": "t"}, "type": "kubernetes.io/tls", "data": {"tls.crt": "YQ=="}});
        let err = validate_secret(&SECRETS, &mut tls).unwrap_err();
        assert!(
            err.message.contains("data[tls.key]: Required value"),
            "{}",
            err.message
        );
    }

    #[test]
    fn config_maps_check_keys_and_immutability() {
        let cm = json!({"metadata": {"name": "c"}, "data": {"bad key": "x", "ok.key": "y"}});
        let err = validate_config_map(&CONFIGMAPS, &cm).unwrap_err();
        assert!(
            err.message
                .contains("data[bad key]: Invalid value: \"bad key\": a valid config key"),
            "{}",
            err.message
        );
        let frozen = json!({"metadata": {"name": "c"}, "immutable": true, "data": {"a": "1"}});
        let changed = json!({"metadata": {"name": "c"}, "immutable": true, "data": {"a": "2"}});
        let err = prepare_update(&CONFIGMAPS, &frozen, &mut changed.clone()).unwrap_err();
        assert!(
            err.message
                .contains("data: Forbidden: field is immutable when `immutable` is set"),
            "{}",
            err.message
        );
        prepare_update(&CONFIGMAPS, &frozen, &mut frozen.clone()).unwrap();
    }
}
