//! The local record of every change kockpit attempted: one JSON object per
//! line in `$XDG_STATE_HOME/kockpit/journal.jsonl`, mode 0600, appended and
//! written through at once so an SSH drop (SIGHUP) loses nothing. Who is the
//! kubeconfig context's user *name*; no credential ever reaches the file.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::sanitize::clean;

pub const JOURNAL_FILE: &str = "journal.jsonl";

/// What became of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Stopped before reaching the server's write path: read-only mode,
    /// no permission, invalid input, a kubectl rule (paused, ...).
    Refused,
    /// The operator said no at the confirm step.
    Cancelled,
    /// The server's dry run (`dryRun=All`) failed; nothing was changed.
    DryRun,
    /// Sent for real: `result` says whether it took.
    Applied,
    /// Nothing to do (e.g. the rollback target is already current).
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Refused => "refused",
            Outcome::Cancelled => "cancelled",
            Outcome::DryRun => "dry-run",
            Outcome::Applied => "applied",
            Outcome::Skipped => "skipped",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub time: DateTime<Utc>,
    /// The kubeconfig context's user name.
    pub user: String,
    pub context: String,
    pub namespace: String,
    /// `Deployment/api`, `Service/frontend`.
    pub object: String,
    pub action: String,
    /// Short summaries: `image web=a:1`, `replicas 2`.
    pub before: String,
    pub after: String,
    pub outcome: Outcome,
    /// `ok`, or the one-line error.
    pub result: String,
    /// Why it happened when kockpit did it by itself (guarded rollouts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Entry {
    pub fn ok(&self) -> bool {
        self.result == "ok"
    }
}

/// The journal file, opened once and shared. A journal that cannot be
/// written is reported, never silently skipped: `append` returns the error
/// and the gate shows it with the change's result.
pub struct Journal {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl Journal {
    /// `$XDG_STATE_HOME/kockpit/journal.jsonl`.
    pub fn default_path() -> Option<PathBuf> {
        crate::config::state_dir().map(|d| d.join(JOURNAL_FILE))
    }

    /// Opens (creating it and its directory) for appending, mode 0600;
    /// tightens a pre-existing file that others could read.
    pub fn open(path: &Path) -> Result<Journal, String> {
        let file = open_file(path)
            .map_err(|e| format!("cannot open the journal {}: {e}", path.display()))?;
        Ok(Journal {
            path: path.to_path_buf(),
            file: Mutex::new(Some(file)),
        })
    }

    /// The default journal; None when there is no home or state dir.
    pub fn open_default() -> Result<Journal, String> {
        let path = Self::default_path()
            .ok_or_else(|| "no state directory (set XDG_STATE_HOME or HOME)".to_string())?;
        Self::open(&path)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line and flushes it to the OS before returning.
    pub fn append(&self, entry: &Entry) -> Result<(), String> {
        // C1 controls and bidi marks escaped too: `cat journal.jsonl` must
        // hand a terminal nothing (model::file_text).
        let mut line = crate::model::file_text::json_line(entry).map_err(|e| e.to_string())?;
        line.push('\n');
        let mut guard = self
            .file
            .lock()
            .map_err(|_| "journal lock poisoned".to_string())?;
        if guard.is_none() {
            *guard = Some(open_file(&self.path).map_err(|e| e.to_string())?);
        }
        let Some(file) = guard.as_mut() else {
            return Err("journal not open".into());
        };
        // One write call per line: with O_APPEND, concurrent kockpits
        // interleave whole lines, never halves.
        let written = file.write_all(line.as_bytes()).and_then(|()| file.flush());
        if let Err(e) = written {
            // Reopen on the next write (the file may have been rotated).
            *guard = None;
            return Err(format!(
                "cannot write the journal {}: {e}",
                self.path.display()
            ));
        }
        Ok(())
    }

    /// Pushes what was written to the disk (SIGTERM/SIGHUP paths).
    pub fn sync(&self) {
        if let Ok(guard) = self.file.lock() {
            if let Some(f) = guard.as_ref() {
                let _ = f.sync_data();
            }
        }
    }
}

fn open_file(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)?;
        }
    }
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let meta = file.metadata()?;
    if meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// What the `:journal` view reads: the newest `limit` entries, newest first,
/// with their text cleaned (the file is ours, but anyone with our uid can
/// edit it). Lines that do not parse are counted, not fatal.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct JournalRead {
    pub entries: Vec<Entry>,
    pub unreadable_lines: usize,
}

pub fn read_journal(path: &Path, limit: usize) -> Result<JournalRead, String> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(JournalRead::default()),
        Err(e) => return Err(format!("cannot read the journal {}: {e}", path.display())),
    };
    let mut out = JournalRead::default();
    let mut all = Vec::new();
    for line in BufReader::new(file).split(b'\n') {
        let Ok(line) = line else {
            out.unreadable_lines += 1;
            continue;
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(&line) {
            Ok(e) => all.push(cleaned(e)),
            Err(_) => out.unreadable_lines += 1,
        }
    }
    let skip = all.len().saturating_sub(limit);
    out.entries = all.into_iter().skip(skip).rev().collect();
    Ok(out)
}

fn cleaned(mut e: Entry) -> Entry {
    for field in [
        &mut e.user,
        &mut e.context,
        &mut e.namespace,
        &mut e.object,
        &mut e.action,
        &mut e.before,
        &mut e.after,
        &mut e.result,
    ] {
        crate::model::sanitize::clean_in_place(field);
    }
    if let Some(n) = e.note.as_mut() {
        *n = clean(n).into_owned();
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, result: &str) -> Entry {
        Entry {
            time: DateTime::from_timestamp(1_767_225_600, 0).unwrap(),
            user: "alice".into(),
            context: "prod".into(),
            namespace: "shop".into(),
            object: "Deployment/api".into(),
            action: action.into(),
            before: "image api=a:1".into(),
            after: "image api=a:2".into(),
            outcome: Outcome::Applied,
            result: result.into(),
            note: None,
        }
    }

    #[test]
    fn appends_lines_with_mode_0600_and_reads_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/kockpit").join(JOURNAL_FILE);
        let j = Journal::open(&path).unwrap();
        j.append(&entry("set image", "ok")).unwrap();
        j.append(&entry("scale", "forbidden: no")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["outcome"], "applied");
        assert_eq!(first["time"], "2026-01-01T00:00:00Z");
        assert!(first.get("note").is_none());
        let read = read_journal(&path, 10).unwrap();
        let actions: Vec<&str> = read.entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["scale", "set image"]);
        assert!(!read.entries[0].ok() && read.entries[1].ok());
    }

    #[test]
    fn an_open_journal_is_tightened_and_garbage_lines_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        std::fs::write(&path, "not json\n\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let j = Journal::open(&path).unwrap();
        let mut hostile = entry("set image", "ok");
        hostile.object = "Deployment/a\x1b[2Jb".into();
        j.append(&hostile).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let read = read_journal(&path, 10).unwrap();
        assert_eq!(read.unreadable_lines, 1);
        assert_eq!(read.entries[0].object, "Deployment/a\u{FFFD}b");
    }

    #[test]
    fn the_file_holds_no_raw_c1_control_or_bidi_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        let j = Journal::open(&path).unwrap();
        let mut hostile = entry("set image", "refused: \u{9d}0;pwned\u{7}");
        hostile.object = "Deployment/a\u{9b}31mb\u{202E}c\u{2066}d".into();
        hostile.note = Some("note\u{200B}\u{1b}[2J".into());
        j.append(&hostile).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for bad in [
            '\u{9b}', '\u{9d}', '\u{202E}', '\u{2066}', '\u{200B}', '\u{1b}', '\u{7}',
        ] {
            assert!(!text.contains(bad), "{bad:?} written raw: {text}");
        }
        assert!(
            text.contains("\\u009b") && text.contains("\\u202e"),
            "{text}"
        );
        // Still the same entry when read back as JSON.
        let raw: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(raw["object"], "Deployment/a\u{9b}31mb\u{202E}c\u{2066}d");
    }

    #[test]
    fn limit_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL_FILE);
        let j = Journal::open(&path).unwrap();
        for i in 0..5 {
            j.append(&entry(&format!("a{i}"), "ok")).unwrap();
        }
        let read = read_journal(&path, 2).unwrap();
        let actions: Vec<&str> = read.entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["a4", "a3"]);
        assert_eq!(
            read_journal(&dir.path().join("none"), 5).unwrap(),
            JournalRead::default()
        );
    }
}
