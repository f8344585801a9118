//! Finding and merging kubeconfig files by client-go's rules: an explicit
//! `--kubeconfig` must exist; otherwise every file in `KUBECONFIG` that
//! exists is read (missing ones are skipped), the first file to set a
//! value wins (a context, cluster or user, and `current-context`), and
//! with no `KUBECONFIG` it is `~/.kube/config`.

use std::path::{Path, PathBuf};

use kube::config::{Kubeconfig, KubeconfigError};

use super::connect_error::{one_line, ConnectError};

/// The merged kubeconfig for `explicit` (`--kubeconfig`) or the
/// environment.
pub fn load(explicit: Option<&Path>) -> Result<Kubeconfig, ConnectError> {
    if let Some(path) = explicit {
        if !path.exists() {
            return Err(bad(path, "no such file".into()));
        }
        return Kubeconfig::read_from(path).map_err(|e| bad(path, reason(&e)));
    }
    let listed: Vec<PathBuf> = std::env::var_os("KUBECONFIG")
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    if listed.is_empty() {
        let default = std::env::home_dir()
            .map(|h| h.join(".kube").join("config"))
            .ok_or(ConnectError::NoKubeconfig)?;
        if !default.exists() {
            return Err(ConnectError::NoKubeconfig);
        }
        return Kubeconfig::read_from(&default).map_err(|e| bad(&default, reason(&e)));
    }
    let mut merged: Option<Kubeconfig> = None;
    for path in &listed {
        let next = match Kubeconfig::read_from(path) {
            Ok(k) => k,
            // client-go skips the files of KUBECONFIG that do not exist.
            Err(KubeconfigError::ReadConfig(io, _))
                if io.kind() == std::io::ErrorKind::NotFound =>
            {
                continue
            }
            Err(e) => return Err(bad(path, reason(&e))),
        };
        merged = Some(match merged {
            None => next,
            Some(m) => m.merge(next).map_err(|e| bad(path, reason(&e)))?,
        });
    }
    merged.ok_or_else(|| ConnectError::BadKubeconfig {
        path: listed
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":"),
        reason: "none of the files in KUBECONFIG exist".into(),
    })
}

fn bad(path: &Path, reason: String) -> ConnectError {
    ConnectError::BadKubeconfig {
        path: path.display().to_string(),
        reason,
    }
}

fn reason(e: &KubeconfigError) -> String {
    match e {
        KubeconfigError::ReadConfig(io, _) if io.kind() == std::io::ErrorKind::NotFound => {
            "no such file".into()
        }
        KubeconfigError::ReadConfig(io, _) => io.to_string(),
        other => one_line(other),
    }
}
