//! Saving the log buffer to a file.
//!
//! What is saved: every buffered line the include/exclude filters let
//! through (what the view would show when scrolled over the whole buffer,
//! whether paused or not), with the stamp when the view shows stamps. Lines
//! are `pod/container text`, markers as shown. The text was sanitized when it
//! entered, so the file holds no escape sequences or control characters.
//!
//! How: the file is written beside the target under a fresh name (created
//! exclusively, mode 0600) and renamed over it, so a symlink planted at the
//! target is never followed, a reader never sees half a file, and the mode
//! is 0600 even when overwriting a more open file. A symlink at the target
//! is refused outright.

use std::fs::{self, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::buffer::LogBuffer;
use super::filter::LogFilter;
use super::line::{format_time, LineKind, LogLine};
use crate::model::sanitize::MAX_LINE_CHARS;

/// How the sanitizer ends a line it cut.
const CUT: &str = " …[cut]";

/// Cut lines listed by number in the header; more are only counted.
const LISTED_CUTS: usize = 10;

/// Writes the lines as they will be saved; returns how many. When some were
/// cut at the cap, a first line (`# kockpit: …`) says which, and how long
/// each was: a reader of the file must not take a cut line for the whole.
pub fn write_lines(
    out: &mut impl Write,
    buf: &LogBuffer,
    filter: &LogFilter,
    timestamps: bool,
) -> io::Result<usize> {
    let lines: Vec<&LogLine> = buf.lines().iter().filter(|l| filter.matches(l)).collect();
    // With a header, the first saved line is the file's line 2.
    let cuts: Vec<(usize, u32)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.cut_from.map(|n| (i + 2, n.get())))
        .collect();
    if !cuts.is_empty() {
        let listed: Vec<String> = cuts
            .iter()
            .take(LISTED_CUTS)
            .map(|(line, bytes)| format!("line {line} had {bytes} bytes"))
            .collect();
        let more = cuts.len().saturating_sub(LISTED_CUTS);
        let more = if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        };
        let (count, verb) = match cuts.len() {
            1 => ("1 line".to_string(), "was"),
            n => (format!("{n} lines"), "were"),
        };
        writeln!(
            out,
            "# kockpit: {count} {verb} cut at {MAX_LINE_CHARS} characters (ending \"{}\"): {}{more}",
            CUT.trim_start(),
            listed.join(", ")
        )?;
    }
    for l in &lines {
        if l.kind == LineKind::Marker {
            writeln!(out, "{}", l.text)?;
        } else {
            match buf.sources.get(l.source) {
                Some(s) => write!(out, "{}/{} ", s.pod, s.container)?,
                None => write!(out, "? ")?,
            }
            if timestamps {
                match &l.at {
                    Some(t) => write!(out, "{} ", format_time(t))?,
                    None => write!(out, "- ")?,
                }
            }
            writeln!(out, "{}", l.text)?;
        }
    }
    Ok(lines.len())
}

/// Saves to `path` as described in the module docs; returns the number of
/// lines written.
pub fn save(
    path: &Path,
    buf: &LogBuffer,
    filter: &LogFilter,
    timestamps: bool,
) -> io::Result<usize> {
    if let Ok(meta) = fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a symbolic link; refusing to write through it",
                    path.display()
                ),
            ));
        }
        if !meta.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} exists and is not a regular file", path.display()),
            ));
        }
    }
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name given"))?;
    let tmp = path.with_file_name(format!(
        ".{}.kockpit-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        let mut w = BufWriter::new(file);
        let n = write_lines(&mut w, buf, filter, timestamps)?;
        let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        Ok(n)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::logs::line::parse_raw;
    use crate::model::logs::LogLine;
    use std::os::unix::fs::PermissionsExt;

    /// The security reference's corpus, as a log stream would send it.
    const HOSTILE: [&[u8]; 12] = [
        b"\x1b[2Jcleared",
        b"\x1b[31mred\x1b[0m",
        b"\x1b]0;title\x07after-title",
        b"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
        b"\x1b]52;c;aGk=\x07clipboard",
        b"\x1bPdcs\x1b\\after-dcs",
        b"\xc2\x9b31mc1-csi",
        b"over\rwrite",
        b"back\x08space",
        b"bell\x07",
        b"evil\xe2\x80\xaetxt",
        b"bad\xff\xfeutf8",
    ];

    fn hostile_buffer() -> LogBuffer {
        let mut b = LogBuffer::new(100);
        let src = b.sources.intern("web-1", "app");
        b.push(LogLine::marker(src, "+ web-1/app".into()));
        for raw in HOSTILE {
            let mut line = b"2024-05-01T10:00:00.5Z ".to_vec();
            line.extend_from_slice(raw);
            b.push(parse_raw(&line, src));
        }
        let mut long = b"2024-05-01T10:00:01Z ".to_vec();
        long.extend(std::iter::repeat_n(b'x', 1 << 20));
        b.push(parse_raw(&long, src));
        b
    }

    #[test]
    fn saved_file_is_private_and_plain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs.txt");
        let b = hostile_buffer();
        let n = save(&path, &b, &LogFilter::default(), true).unwrap();
        assert_eq!(n, HOSTILE.len() + 2);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let bytes = fs::read(&path).unwrap();
        assert!(!bytes.contains(&0x1b), "ESC in saved file");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.chars().all(|c| c == '\n' || !c.is_control()));
        // The 1 MB line (the file's line 15) was cut: the header says so.
        let header = format!(
            "# kockpit: 1 line was cut at {MAX_LINE_CHARS} characters (ending \"…[cut]\"): line 15 had {} bytes\n",
            1 << 20
        );
        assert!(text.starts_with(&header), "{text:.300}");
        let body = &text[header.len()..];
        assert!(
            body.starts_with("+ web-1/app\nweb-1/app 2024-05-01T10:00:00.500Z \u{FFFD}cleared\n")
        );
        assert!(body.contains("web-1/app 2024-05-01T10:00:00.500Z \u{FFFD}link\u{FFFD}\n"));
        assert!(
            body.contains("web-1/app 2024-05-01T10:00:00.500Z red\n"),
            "colours go silently"
        );
        assert_eq!(
            body.lines().nth(13).map(|l| l.ends_with(" …[cut]")),
            Some(true)
        );
        for bad in ['\u{202E}', '\u{9b}', '\u{9d}'] {
            assert!(!text.contains(bad), "{bad:?}");
        }
    }

    #[test]
    fn no_header_without_a_cut_line() {
        let mut out = Vec::new();
        let n = write_lines(
            &mut out,
            &hostile_buffer(),
            &LogFilter::new("^red$", "", "").unwrap(),
            false,
        )
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "+ web-1/app\nweb-1/app red\n"
        );
    }

    #[test]
    fn overwrite_tightens_the_mode_and_filters_apply() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs.txt");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let filter = LogFilter::new("^red$|link", "", "").unwrap();
        let n = save(&path, &hostile_buffer(), &filter, false).unwrap();
        // Two matching lines plus the marker, which always passes.
        assert_eq!(n, 3);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "+ web-1/app\nweb-1/app red\nweb-1/app \u{FFFD}link\u{FFFD}\n"
        );
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temp file left"
        );
    }

    #[test]
    fn symlinks_and_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = save(&link, &hostile_buffer(), &LogFilter::default(), false).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
        assert!(save(dir.path(), &hostile_buffer(), &LogFilter::default(), false).is_err());
    }
}
