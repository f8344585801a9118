//! Protobuf request bodies (`application/vnd.kubernetes.protobuf`), which
//! kubectl's typed `create deployment|namespace|configmap|secret|service`
//! send with no JSON fallback. The envelope is the magic `k8s\0` and a
//! `runtime.Unknown` whose `raw` is the object. Objects are decoded with a
//! small schema of the fields those commands (and hand-written manifests of
//! these kinds) use, straight into the JSON the rest of the server works on.
//! A field outside the schema that carries a value is refused rather than
//! dropped; an empty one is what Go's encoder writes for every unset
//! non-pointer field and means "unset".

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::demo::error::ApiError;

pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";
const MAGIC: &[u8] = b"k8s\0";

#[derive(Clone, Copy)]
enum Ty {
    Str,
    I32,
    I64,
    Bool,
    Msg(&'static [F]),
    /// An embedded struct whose fields JSON writes into the parent
    /// (`LocalObjectReference` in `configMapRef`).
    Inline(&'static [F]),
    StrMap,
    /// `map<string, bytes>`: base64 strings in JSON.
    BytesMap,
    QuantityMap,
    IntOrStr,
    Quantity,
    /// Server-set (timestamps) or ignored on create (status): skipped.
    Skip,
}

#[derive(Clone, Copy)]
struct F {
    num: u64,
    name: &'static str,
    ty: Ty,
    repeated: bool,
    /// A Go pointer field: present on the wire only when set, so a zero
    /// value is meaningful (`replicas: 0`).
    pointer: bool,
}

const fn f(num: u64, name: &'static str, ty: Ty) -> F {
    F {
        num,
        name,
        ty,
        repeated: false,
        pointer: false,
    }
}

const fn list(num: u64, name: &'static str, ty: Ty) -> F {
    F {
        repeated: true,
        ..f(num, name, ty)
    }
}

const fn ptr(num: u64, name: &'static str, ty: Ty) -> F {
    F {
        pointer: true,
        ..f(num, name, ty)
    }
}

use Ty::*;

const OWNER_REFERENCE: &[F] = &[
    f(5, "apiVersion", Str),
    f(1, "kind", Str),
    f(3, "name", Str),
    f(4, "uid", Str),
    ptr(6, "controller", Bool),
    ptr(7, "blockOwnerDeletion", Bool),
];

const OBJECT_META: &[F] = &[
    f(1, "name", Str),
    f(2, "generateName", Str),
    f(3, "namespace", Str),
    f(4, "selfLink", Str),
    f(5, "uid", Str),
    f(6, "resourceVersion", Str),
    f(7, "generation", I64),
    f(8, "creationTimestamp", Skip),
    f(9, "deletionTimestamp", Skip),
    ptr(10, "deletionGracePeriodSeconds", I64),
    f(11, "labels", StrMap),
    f(12, "annotations", StrMap),
    list(13, "ownerReferences", Msg(OWNER_REFERENCE)),
    list(14, "finalizers", Str),
];

const SELECTOR_REQUIREMENT: &[F] = &[
    f(1, "key", Str),
    f(2, "operator", Str),
    list(3, "values", Str),
];

const LABEL_SELECTOR: &[F] = &[
    f(1, "matchLabels", StrMap),
    list(2, "matchExpressions", Msg(SELECTOR_REQUIREMENT)),
];

const LOCAL_REF: &[F] = &[f(1, "name", Str)];

const KEY_SELECTOR: &[F] = &[
    f(1, "", Inline(LOCAL_REF)),
    f(2, "key", Str),
    ptr(3, "optional", Bool),
];

const FIELD_SELECTOR: &[F] = &[f(1, "apiVersion", Str), f(2, "fieldPath", Str)];

const ENV_VAR_SOURCE: &[F] = &[
    f(1, "fieldRef", Msg(FIELD_SELECTOR)),
    f(3, "configMapKeyRef", Msg(KEY_SELECTOR)),
    f(4, "secretKeyRef", Msg(KEY_SELECTOR)),
];

const ENV_VAR: &[F] = &[
    f(1, "name", Str),
    f(2, "value", Str),
    f(3, "valueFrom", Msg(ENV_VAR_SOURCE)),
];

const ENV_SOURCE_REF: &[F] = &[f(1, "", Inline(LOCAL_REF)), ptr(2, "optional", Bool)];

const ENV_FROM: &[F] = &[
    f(1, "prefix", Str),
    f(2, "configMapRef", Msg(ENV_SOURCE_REF)),
    f(3, "secretRef", Msg(ENV_SOURCE_REF)),
];

const CONTAINER_PORT: &[F] = &[
    f(1, "name", Str),
    f(2, "hostPort", I32),
    f(3, "containerPort", I32),
    f(4, "protocol", Str),
    f(5, "hostIP", Str),
];

const RESOURCES: &[F] = &[f(1, "limits", QuantityMap), f(2, "requests", QuantityMap)];

const VOLUME_MOUNT: &[F] = &[
    f(1, "name", Str),
    f(2, "readOnly", Bool),
    ptr(7, "recursiveReadOnly", Str),
    f(3, "mountPath", Str),
    f(4, "subPath", Str),
    ptr(5, "mountPropagation", Str),
    f(6, "subPathExpr", Str),
];

const CONTAINER: &[F] = &[
    f(1, "name", Str),
    f(2, "image", Str),
    list(3, "command", Str),
    list(4, "args", Str),
    f(5, "workingDir", Str),
    list(6, "ports", Msg(CONTAINER_PORT)),
    list(19, "envFrom", Msg(ENV_FROM)),
    list(7, "env", Msg(ENV_VAR)),
    f(8, "resources", Msg(RESOURCES)),
    ptr(24, "restartPolicy", Str),
    list(9, "volumeMounts", Msg(VOLUME_MOUNT)),
    f(13, "terminationMessagePath", Str),
    f(20, "terminationMessagePolicy", Str),
    f(14, "imagePullPolicy", Str),
    f(16, "stdin", Bool),
    f(17, "stdinOnce", Bool),
    f(18, "tty", Bool),
];

const KEY_TO_PATH: &[F] = &[f(1, "key", Str), f(2, "path", Str), ptr(3, "mode", I32)];

const SECRET_VOLUME: &[F] = &[
    f(1, "secretName", Str),
    list(2, "items", Msg(KEY_TO_PATH)),
    ptr(3, "defaultMode", I32),
    ptr(4, "optional", Bool),
];

const CONFIG_MAP_VOLUME: &[F] = &[
    f(1, "", Inline(LOCAL_REF)),
    list(2, "items", Msg(KEY_TO_PATH)),
    ptr(3, "defaultMode", I32),
    ptr(4, "optional", Bool),
];

const EMPTY_DIR: &[F] = &[f(1, "medium", Str), ptr(2, "sizeLimit", Quantity)];

const PVC_VOLUME: &[F] = &[f(1, "claimName", Str), f(2, "readOnly", Bool)];

const VOLUME_SOURCE: &[F] = &[
    f(2, "emptyDir", Msg(EMPTY_DIR)),
    f(6, "secret", Msg(SECRET_VOLUME)),
    f(10, "persistentVolumeClaim", Msg(PVC_VOLUME)),
    f(19, "configMap", Msg(CONFIG_MAP_VOLUME)),
];

const VOLUME: &[F] = &[f(1, "name", Str), f(2, "", Inline(VOLUME_SOURCE))];

const POD_SPEC: &[F] = &[
    list(1, "volumes", Msg(VOLUME)),
    list(20, "initContainers", Msg(CONTAINER)),
    list(2, "containers", Msg(CONTAINER)),
    f(3, "restartPolicy", Str),
    ptr(4, "terminationGracePeriodSeconds", I64),
    ptr(5, "activeDeadlineSeconds", I64),
    f(6, "dnsPolicy", Str),
    f(7, "nodeSelector", StrMap),
    f(8, "serviceAccountName", Str),
    f(9, "serviceAccount", Str),
    ptr(21, "automountServiceAccountToken", Bool),
    f(10, "nodeName", Str),
    f(11, "hostNetwork", Bool),
    f(12, "hostPID", Bool),
    f(13, "hostIPC", Bool),
    ptr(27, "shareProcessNamespace", Bool),
    list(15, "imagePullSecrets", Msg(LOCAL_REF)),
    f(16, "hostname", Str),
    f(17, "subdomain", Str),
    f(19, "schedulerName", Str),
    f(24, "priorityClassName", Str),
    ptr(25, "priority", I32),
    ptr(29, "runtimeClassName", Str),
    ptr(30, "enableServiceLinks", Bool),
    ptr(31, "preemptionPolicy", Str),
    ptr(35, "setHostnameAsFQDN", Bool),
    ptr(37, "hostUsers", Bool),
    ptr(41, "hostnameOverride", Str),
];

const POD_TEMPLATE: &[F] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(POD_SPEC)),
];

const ROLLING_UPDATE: &[F] = &[f(1, "maxUnavailable", IntOrStr), f(2, "maxSurge", IntOrStr)];

const STRATEGY: &[F] = &[
    f(1, "type", Str),
    f(2, "rollingUpdate", Msg(ROLLING_UPDATE)),
];

const DEPLOYMENT_SPEC: &[F] = &[
    ptr(1, "replicas", I32),
    f(2, "selector", Msg(LABEL_SELECTOR)),
    f(3, "template", Msg(POD_TEMPLATE)),
    f(4, "strategy", Msg(STRATEGY)),
    f(5, "minReadySeconds", I32),
    ptr(6, "revisionHistoryLimit", I32),
    f(7, "paused", Bool),
    ptr(9, "progressDeadlineSeconds", I32),
];

const DEPLOYMENT: &[F] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(DEPLOYMENT_SPEC)),
    f(3, "status", Skip),
];

const NAMESPACE: &[F] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(&[list(1, "finalizers", Str)])),
    f(3, "status", Skip),
];

const CONFIG_MAP: &[F] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    ptr(4, "immutable", Bool),
    f(2, "data", StrMap),
    f(3, "binaryData", BytesMap),
];

const SECRET: &[F] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    ptr(5, "immutable", Bool),
    f(2, "data", BytesMap),
    f(4, "stringData", StrMap),
    f(3, "type", Str),
];

const SERVICE_PORT: &[F] = &[
    f(1, "name", Str),
    f(2, "protocol", Str),
    ptr(6, "appProtocol", Str),
    f(3, "port", I32),
    f(4, "targetPort", IntOrStr),
    f(5, "nodePort", I32),
];

const SERVICE_SPEC: &[F] = &[
    list(1, "ports", Msg(SERVICE_PORT)),
    f(2, "selector", StrMap),
    f(3, "clusterIP", Str),
    list(18, "clusterIPs", Str),
    f(4, "type", Str),
    list(5, "externalIPs", Str),
    f(7, "sessionAffinity", Str),
    f(8, "loadBalancerIP", Str),
    list(9, "loadBalancerSourceRanges", Str),
    f(10, "externalName", Str),
    f(11, "externalTrafficPolicy", Str),
    f(12, "healthCheckNodePort", I32),
    f(13, "publishNotReadyAddresses", Bool),
    list(19, "ipFamilies", Str),
    ptr(17, "ipFamilyPolicy", Str),
    ptr(20, "allocateLoadBalancerNodePorts", Bool),
    ptr(21, "loadBalancerClass", Str),
    ptr(22, "internalTrafficPolicy", Str),
    ptr(23, "trafficDistribution", Str),
];

const SERVICE: &[F] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(SERVICE_SPEC)),
    f(3, "status", Skip),
];

const SELECTOR_ATTRIBUTES: &[F] = &[
    f(1, "rawSelector", Str),
    list(2, "requirements", Msg(SELECTOR_REQUIREMENT)),
];

const RESOURCE_ATTRIBUTES: &[F] = &[
    f(1, "namespace", Str),
    f(2, "verb", Str),
    f(3, "group", Str),
    f(4, "version", Str),
    f(5, "resource", Str),
    f(6, "subresource", Str),
    f(7, "name", Str),
    f(8, "fieldSelector", Msg(SELECTOR_ATTRIBUTES)),
    f(9, "labelSelector", Msg(SELECTOR_ATTRIBUTES)),
];

/// What `kubectl auth can-i` sends.
const SELF_SUBJECT_ACCESS_REVIEW: &[F] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "resourceAttributes", Msg(RESOURCE_ATTRIBUTES)),
            f(
                2,
                "nonResourceAttributes",
                Msg(&[f(1, "path", Str), f(2, "verb", Str)]),
            ),
        ]),
    ),
    f(3, "status", Skip),
];

/// The kinds whose protobuf the demo decodes.
fn schema(api_version: &str, kind: &str) -> Option<&'static [F]> {
    Some(match (api_version, kind) {
        ("apps/v1", "Deployment") => DEPLOYMENT,
        ("v1", "Namespace") => NAMESPACE,
        ("v1", "ConfigMap") => CONFIG_MAP,
        ("v1", "Secret") => SECRET,
        ("v1", "Service") => SERVICE,
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => SELF_SUBJECT_ACCESS_REVIEW,
        _ => return None,
    })
}

/// One field of the wire format.
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn malformed() -> ApiError {
    ApiError::bad_request("the protobuf body is malformed")
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ApiError> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.buf.get(self.pos).ok_or_else(malformed)?;
            self.pos += 1;
            out |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(out);
            }
        }
        Err(malformed())
    }

    fn next(&mut self) -> Result<Option<(u64, Wire<'a>)>, ApiError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let wire = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| malformed())?;
                let end = self.pos.checked_add(len).ok_or_else(malformed)?;
                let bytes = self.buf.get(self.pos..end).ok_or_else(malformed)?;
                self.pos = end;
                Wire::Bytes(bytes)
            }
            1 | 5 => {
                self.pos += if key & 7 == 1 { 8 } else { 4 };
                if self.pos > self.buf.len() {
                    return Err(malformed());
                }
                Wire::Fixed
            }
            _ => return Err(malformed()),
        };
        Ok(Some((key >> 3, wire)))
    }
}

fn fields(buf: &[u8]) -> Result<Vec<(u64, Wire<'_>)>, ApiError> {
    let mut r = Reader { buf, pos: 0 };
    let mut out = Vec::new();
    while let Some(field) = r.next()? {
        out.push(field);
    }
    Ok(out)
}

fn text(bytes: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("the protobuf body holds a string that is not UTF-8"))
}

fn is_zero(wire: &Wire) -> bool {
    match wire {
        Wire::Varint(v) => *v == 0,
        Wire::Bytes(b) => b.is_empty(),
        Wire::Fixed => false,
    }
}

fn unsupported_because(message: String) -> ApiError {
    ApiError {
        code: 415,
        reason: "UnsupportedMediaType",
        message,
        details: None,
    }
}

fn unsupported(path: &str, num: u64) -> ApiError {
    unsupported_because(format!(
        "the demo cluster cannot decode protobuf field {num} of {path}; send it as application/json"
    ))
}

fn wrong_wire(path: &str) -> ApiError {
    ApiError::bad_request(format!("the protobuf field {path} has the wrong wire type"))
}

/// `{1: key, 2: value}` map entries.
fn map_entry(bytes: &[u8]) -> Result<(String, Option<Wire<'_>>), ApiError> {
    let mut key = String::new();
    let mut value = None;
    for (num, wire) in fields(bytes)? {
        match (num, wire) {
            (1, Wire::Bytes(b)) => key = text(b)?,
            (2, w) => value = Some(w),
            _ => return Err(malformed()),
        }
    }
    Ok((key, value))
}

fn quantity(bytes: &[u8]) -> Result<Value, ApiError> {
    let mut out = String::new();
    for (num, wire) in fields(bytes)? {
        if let (1, Wire::Bytes(b)) = (num, wire) {
            out = text(b)?;
        }
    }
    Ok(json!(out))
}

fn int_or_string(bytes: &[u8]) -> Result<Value, ApiError> {
    let (mut kind, mut int, mut string) = (0, 0i64, String::new());
    for (num, wire) in fields(bytes)? {
        match (num, wire) {
            (1, Wire::Varint(v)) => kind = v,
            (2, Wire::Varint(v)) => int = i64::from(v as i32),
            (3, Wire::Bytes(b)) => string = text(b)?,
            _ => return Err(malformed()),
        }
    }
    Ok(if kind == 0 { json!(int) } else { json!(string) })
}

fn put(out: &mut Map<String, Value>, field: &F, value: Value) {
    if field.repeated {
        match out
            .entry(field.name.to_string())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            Value::Array(items) => items.push(value),
            other => *other = Value::Array(vec![value]),
        }
    } else {
        out.insert(field.name.to_string(), value);
    }
}

fn decode_into(
    buf: &[u8],
    schema: &'static [F],
    path: &str,
    out: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    for (num, wire) in fields(buf)? {
        let Some(field) = schema.iter().find(|f| f.num == num) else {
            if is_zero(&wire) {
                continue;
            }
            return Err(unsupported(path, num));
        };
        let at = if field.name.is_empty() {
            path.to_string()
        } else {
            format!("{path}.{}", field.name)
        };
        let keep = field.pointer || field.repeated;
        match (field.ty, wire) {
            (Skip, _) => {}
            (Str, Wire::Bytes(b)) if keep || !b.is_empty() => put(out, field, json!(text(b)?)),
            (I32, Wire::Varint(v)) if keep || v != 0 => put(out, field, json!(v as i32)),
            (I64, Wire::Varint(v)) if keep || v != 0 => put(out, field, json!(v as i64)),
            (Bool, Wire::Varint(v)) if keep || v != 0 => put(out, field, json!(v != 0)),
            (Str | I32 | I64 | Bool, Wire::Bytes(_) | Wire::Varint(_)) => {}
            (Msg(sub), Wire::Bytes(b)) => {
                let mut inner = Map::new();
                decode_into(b, sub, &at, &mut inner)?;
                put(out, field, Value::Object(inner));
            }
            (Inline(sub), Wire::Bytes(b)) => decode_into(b, sub, path, out)?,
            (Quantity, Wire::Bytes(b)) => put(out, field, quantity(b)?),
            (IntOrStr, Wire::Bytes(b)) => put(out, field, int_or_string(b)?),
            (StrMap | BytesMap | QuantityMap, Wire::Bytes(b)) => {
                let (key, value) = map_entry(b)?;
                let value = match (field.ty, value) {
                    (_, None) => json!(""),
                    (StrMap, Some(Wire::Bytes(v))) => json!(text(v)?),
                    (BytesMap, Some(Wire::Bytes(v))) => json!(STANDARD.encode(v)),
                    (QuantityMap, Some(Wire::Bytes(v))) => quantity(v)?,
                    _ => return Err(wrong_wire(&at)),
                };
                let map = out
                    .entry(field.name.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = map {
                    m.insert(key, value);
                }
            }
            _ => return Err(wrong_wire(&at)),
        }
    }
    Ok(())
}

/// Decodes a protobuf request body into the JSON object it stands for.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let raw_envelope = body.strip_prefix(MAGIC).ok_or_else(|| {
        ApiError::bad_request("the protobuf body does not start with the k8s magic")
    })?;
    let (mut api_version, mut kind, mut raw, mut encoding) =
        (String::new(), String::new(), &[][..], String::new());
    for (num, wire) in fields(raw_envelope)? {
        match (num, wire) {
            (1, Wire::Bytes(type_meta)) => {
                for (n, w) in fields(type_meta)? {
                    match (n, w) {
                        (1, Wire::Bytes(b)) => api_version = text(b)?,
                        (2, Wire::Bytes(b)) => kind = text(b)?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(b)) => raw = b,
            (3, Wire::Bytes(b)) => encoding = text(b)?,
            _ => {}
        }
    }
    if !encoding.is_empty() {
        return Err(unsupported_because(format!(
            "the demo cluster cannot decode protobuf bodies with content encoding {encoding:?}"
        )));
    }
    let Some(schema) = schema(&api_version, &kind) else {
        return Err(unsupported_because(format!(
            "the demo cluster decodes protobuf only for Deployments, Namespaces, ConfigMaps, Secrets, Services and SelfSubjectAccessReviews, not {kind} ({api_version}); send it as application/json"
        )));
    };
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!(api_version));
    out.insert("kind".into(), json!(kind));
    decode_into(raw, schema, &kind, &mut out)?;
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal encoder for the tests: (field, value) pairs.
    enum E<'a> {
        V(u64, u64),
        S(u64, &'a str),
        M(u64, Vec<E<'a>>),
    }

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn encode(fields: &[E]) -> Vec<u8> {
        let mut out = Vec::new();
        for f in fields {
            match f {
                E::V(n, v) => {
                    varint(n << 3, &mut out);
                    varint(*v, &mut out);
                }
                E::S(n, s) => {
                    varint((n << 3) | 2, &mut out);
                    varint(s.len() as u64, &mut out);
                    out.extend_from_slice(s.as_bytes());
                }
                E::M(n, inner) => {
                    let bytes = encode(inner);
                    varint((n << 3) | 2, &mut out);
                    varint(bytes.len() as u64, &mut out);
                    out.extend(bytes);
                }
            }
        }
        out
    }

    fn envelope(api_version: &str, kind: &str, object: Vec<E>) -> Vec<u8> {
        let raw = encode(&object);
        let mut out = MAGIC.to_vec();
        out.extend(encode(&[E::M(
            1,
            vec![E::S(1, api_version), E::S(2, kind)],
        )]));
        varint((2 << 3) | 2, &mut out);
        varint(raw.len() as u64, &mut out);
        out.extend(raw);
        out.extend(encode(&[E::S(3, ""), E::S(4, "")]));
        out
    }

    fn label(k: &'static str, v: &'static str) -> Vec<E<'static>> {
        vec![E::S(1, k), E::S(2, v)]
    }

    #[test]
    fn decodes_what_kubectl_create_deployment_sends() {
        let meta = vec![
            E::S(1, "x"),
            E::S(2, ""),
            E::S(3, "shop"),
            E::V(7, 0),
            E::M(8, vec![]),
            E::M(11, label("app", "x")),
        ];
        let container = vec![
            E::S(1, "nginx"),
            E::S(2, "nginx:1"),
            E::S(5, ""),
            E::M(8, vec![]),
            E::V(16, 0),
        ];
        let pod_spec = vec![E::M(2, container), E::S(3, ""), E::V(11, 0), E::S(24, "")];
        let spec = vec![
            E::V(1, 0),
            E::M(2, vec![E::M(1, label("app", "x"))]),
            E::M(
                3,
                vec![
                    E::M(1, vec![E::M(11, label("app", "x"))]),
                    E::M(2, pod_spec),
                ],
            ),
            E::M(4, vec![E::S(1, "")]),
            E::V(5, 0),
        ];
        let body = envelope(
            "apps/v1",
            "Deployment",
            vec![E::M(1, meta), E::M(2, spec), E::M(3, vec![E::V(1, 0)])],
        );
        let v = decode(&body).unwrap();
        assert_eq!(
            v,
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "x", "namespace": "shop", "labels": {"app": "x"}},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "x"}},
                    "template": {"metadata": {"labels": {"app": "x"}},
                        "spec": {"containers": [{"name": "nginx", "image": "nginx:1", "resources": {}}]}},
                    "strategy": {}}})
        );
    }

    #[test]
    fn decodes_services_secrets_and_config_maps() {
        let port = vec![
            E::S(1, "80-8080"),
            E::S(2, "TCP"),
            E::V(3, 80),
            E::M(4, vec![E::V(1, 0), E::V(2, 8080), E::S(3, "")]),
            E::V(5, 0),
        ];
        let spec = vec![
            E::M(1, port),
            E::M(2, label("app", "svc1")),
            E::S(3, ""),
            E::S(4, "ClusterIP"),
        ];
        let svc = decode(&envelope(
            "v1",
            "Service",
            vec![E::M(1, vec![E::S(1, "svc1")]), E::M(2, spec)],
        ))
        .unwrap();
        assert_eq!(
            svc["spec"]["ports"],
            json!([{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}])
        );
        assert_eq!(svc["spec"]["type"], "ClusterIP");
        assert!(svc["spec"].get("clusterIP").is_none());

        let secret = decode(&envelope(
            "v1",
            "Secret",
            vec![
                E::M(1, vec![E::S(1, "s1")]),
                E::M(2, label("k", "v")),
                E::S(3, ""),
            ],
        ))
        .unwrap();
        assert_eq!(secret["data"], json!({"k": "dg=="}));
        assert!(secret.get("type").is_none());

        let cm = decode(&envelope(
            "v1",
            "ConfigMap",
            vec![E::M(1, vec![E::S(1, "c")]), E::M(2, label("a", "b"))],
        ))
        .unwrap();
        assert_eq!(cm["data"], json!({"a": "b"}));
    }

    #[test]
    fn decodes_access_reviews() {
        let attributes = vec![
            E::S(1, "shop"),
            E::S(2, "get"),
            E::S(3, ""),
            E::S(5, "pods"),
            E::S(6, ""),
        ];
        let body = envelope(
            "authorization.k8s.io/v1",
            "SelfSubjectAccessReview",
            vec![
                E::M(1, vec![]),
                E::M(2, vec![E::M(1, attributes)]),
                E::M(3, vec![E::V(1, 0)]),
            ],
        );
        let v = decode(&body).unwrap();
        assert_eq!(
            v["spec"],
            json!({"resourceAttributes": {"namespace": "shop", "verb": "get", "resource": "pods"}})
        );
        assert_eq!(v["metadata"], json!({}));
    }

    #[test]
    fn refuses_what_it_cannot_decode_faithfully() {
        let with_affinity = envelope(
            "v1",
            "Namespace",
            vec![E::M(1, vec![E::S(1, "n")]), E::S(40, "surprise")],
        );
        let err = decode(&with_affinity).unwrap_err();
        assert_eq!(err.code, 415);
        assert!(
            err.message.contains("field 40 of Namespace"),
            "{}",
            err.message
        );
        let other_kind = envelope("batch/v1", "Job", vec![]);
        assert_eq!(decode(&other_kind).unwrap_err().code, 415);
        assert_eq!(decode(b"{}").unwrap_err().code, 400);
        let mut truncated = envelope("v1", "Namespace", vec![E::M(1, vec![E::S(1, "n")])]);
        truncated.truncate(truncated.len() - 6);
        assert_eq!(decode(&truncated).unwrap_err().code, 400);
    }
}
