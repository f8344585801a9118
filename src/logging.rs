//! kockpit's own log: a file (never the terminal the UI owns), written only
//! when asked for with `KOCKPIT_LOG` (e.g. `KOCKPIT_LOG=debug`), one file a
//! day and the last week kept, so a long-lived habit of logging never
//! fills a disk.

use std::path::Path;
use std::str::FromStr;

use tracing_subscriber::filter::{Directive, EnvFilter};

/// Files kept: one per day.
const KEEP_DAYS: usize = 7;

/// Starts logging into `dir` (`kockpit.YYYY-MM-DD.log`) if `KOCKPIT_LOG`
/// is set. Directives that do not parse are dropped, and said so once,
/// as the first line of the log, instead of silently.
pub fn init(dir: Option<&Path>) {
    let Ok(spec) = std::env::var("KOCKPIT_LOG") else {
        return;
    };
    let Some(dir) = dir else { return };
    if create_private_dir(dir).is_err() {
        return;
    }
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("kockpit")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(dir);
    let Ok(appender) = appender else { return };
    let (filter, rejected) = filter(&spec);
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        // Log fields carry servers' text: escaped so `tail` of the file
        // hands a terminal nothing (model::file_text).
        .with_writer(std::sync::Mutex::new(
            crate::model::file_text::EscapingWriter(appender),
        ))
        .try_init()
        .is_ok();
    if installed && !rejected.is_empty() {
        tracing::warn!(
            "KOCKPIT_LOG: ignored {} (expected e.g. debug, kockpit=trace, kube=info)",
            rejected.join("; ")
        );
    }
}

/// The filter `spec` asks for, and each directive that was dropped with
/// why.
pub fn filter(spec: &str) -> (EnvFilter, Vec<String>) {
    let mut kept = Vec::new();
    let mut rejected = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match Directive::from_str(part) {
            Ok(d) => kept.push(d),
            Err(e) => rejected.push(format!("{part:?}: {e}")),
        }
    }
    let filter = kept
        .into_iter()
        .fold(EnvFilter::default(), EnvFilter::add_directive);
    (filter, rejected)
}

/// The log names clusters, contexts and objects: readable by its owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_directives_are_named_and_the_good_ones_kept() {
        let (f, rejected) = filter("debug,kube=[[,kockpit=trace,=x");
        let shown = f.to_string();
        assert!(
            shown.contains("debug") && shown.contains("kockpit=trace"),
            "{shown}"
        );
        assert_eq!(rejected.len(), 2, "{rejected:?}");
        assert!(rejected[0].starts_with("\"kube=[[\""), "{rejected:?}");
        let (_, none) = filter("info");
        assert!(none.is_empty());
    }
}
