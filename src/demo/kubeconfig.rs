//! The kubeconfig through which clients reach the demo cluster, exactly like
//! any other cluster. Written as JSON (a YAML subset every reader accepts),
//! mode 0600, atomically.

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::json;

use super::authz::{self, Auth};

pub const CONTEXT: &str = "kockpit-demo";
pub const USER: &str = "demo";

/// The administrator has no credentials (the server is loopback-only); the
/// restricted user (see `authz`) authenticates with a bearer token, which
/// appears nowhere but in this 0600 file.
pub fn render(addr: SocketAddr, auth: &Auth) -> String {
    let server = format!("http://{addr}");
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": server}}],
        "users": [
            {"name": USER, "user": {}},
            {"name": authz::RESTRICTED_USER, "user": {"token": auth.restricted_token()}},
        ],
        "contexts": [
            {"name": CONTEXT, "context": {"cluster": CONTEXT, "user": USER, "namespace": "default"}},
            {"name": authz::RESTRICTED_CONTEXT, "context": {"cluster": CONTEXT, "user": authz::RESTRICTED_USER, "namespace": authz::RESTRICTED_NAMESPACE}},
        ],
        "current-context": CONTEXT,
        "preferences": {},
    });
    serde_json::to_string_pretty(&config).unwrap_or_default() + "\n"
}

/// A written kubeconfig; a private temporary one is removed on drop.
#[derive(Debug)]
pub struct KubeconfigFile {
    path: PathBuf,
    temp_dir: Option<PathBuf>,
}

impl KubeconfigFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes to `path`, or into a fresh private directory under the temp dir.
    pub fn write(
        path: Option<&Path>,
        addr: SocketAddr,
        auth: &Auth,
    ) -> anyhow::Result<KubeconfigFile> {
        let (path, temp_dir) = match path {
            Some(p) => (p.to_path_buf(), None),
            None => {
                let dir = private_temp_dir()?;
                (dir.join("kubeconfig"), Some(dir))
            }
        };
        let file = KubeconfigFile { path, temp_dir };
        write_atomically(&file.path, render(addr, auth).as_bytes())
            .with_context(|| format!("cannot write kubeconfig {}", file.path.display()))?;
        Ok(file)
    }
}

impl Drop for KubeconfigFile {
    fn drop(&mut self) {
        if let Some(dir) = &self.temp_dir {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

fn private_temp_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::temp_dir();
    // create() fails on an existing path, so nobody can pre-plant the directory.
    for _ in 0..16 {
        let dir = base.join(format!(
            "kockpit-demo-{}-{}",
            std::process::id(),
            super::ids::suffix(8)
        ));
        match fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }
    anyhow::bail!(
        "cannot create a private temporary directory in {}",
        base.display()
    )
}

fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", super::ids::suffix(6)));
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    let result = f.write_all(contents).and_then(|_| f.sync_all());
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_kubeconfig_is_private_and_removed() {
        let addr: SocketAddr = "127.0.0.1:4321".parse().unwrap();
        let auth = Auth::generate().unwrap();
        let file = KubeconfigFile::write(None, addr, &auth).unwrap();
        let path = file.path().to_path_buf();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let text = fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["clusters"][0]["cluster"]["server"],
            "http://127.0.0.1:4321"
        );
        assert_eq!(v["current-context"], "kockpit-demo");
        assert_eq!(v["contexts"][0]["context"]["namespace"], "default");
        assert_eq!(v["contexts"][1]["name"], "kockpit-demo-restricted");
        assert_eq!(v["users"][1]["user"]["token"], auth.restricted_token());
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn ipv6_servers_are_bracketed() {
        let addr: SocketAddr = "[::1]:80".parse().unwrap();
        let auth = Auth::generate().unwrap();
        assert!(render(addr, &auth).contains("http://[::1]:80"));
    }
}
