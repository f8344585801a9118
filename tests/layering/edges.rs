//! Reads the module edges of the crate from its source text: every path
//! that starts with `crate::`, `super::`, `self::`, a child module or a
//! name a `use` bound, resolved to the file module that defines it.
//!
//! A small tokenizer rather than a Rust parser: comments, strings and char
//! literals are skipped so that `"crate::x"` or a doc link never count;
//! inline `mod name { .. }` blocks are tracked because `super::` inside
//! `mod tests` means the file itself, not its parent.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// A module path without the leading `crate`: `["demo", "server"]`.
pub type ModPath = Vec<String>;

pub fn show(m: &[String]) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// One import edge between two file modules, with where it was first seen.
#[derive(Clone, Debug)]
pub struct Edge {
    pub from: ModPath,
    pub to: ModPath,
    pub file: String,
    pub line: usize,
}

/// Every `.rs` file of the library under `src`, as (path relative to the
/// crate root, text). `main.rs` is the binary: it imports the library by
/// name, from outside, like any user.
pub fn read_sources(src: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(src.parent().unwrap_or(src))
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                if rel != "src/main.rs" {
                    out.push((rel, std::fs::read_to_string(&path)?));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `src/demo/server/mod.rs` → `demo::server`; `src/lib.rs` → the root.
pub fn module_of(file: &str) -> ModPath {
    let rel = file.strip_prefix("src/").unwrap_or(file);
    let rel = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut parts: Vec<String> = rel.split('/').map(String::from).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Colons,
    Open,
    Close,
    Semi,
    Comma,
    Star,
    Dollar,
    Other,
}

/// Tokens with their line numbers; comments, strings, chars, lifetimes and
/// numbers leave nothing (or `Other`) behind.
pub fn tokens(text: &str) -> Vec<(Tok, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if let Some(len) = raw_string_start(&c, i) {
            // r"..", r#".."#, br#".."#: ends at a quote followed by as
            // many hashes as opened it.
            let hashes = len - 1 - usize::from(ch == 'b') - 1;
            i += len;
            while i < c.len() {
                if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                    i += 1 + hashes;
                    break;
                }
                line += usize::from(c[i] == '\n');
                i += 1;
            }
            out.push((Tok::Other, line));
        } else if ch == '"' || (ch == 'b' && at(i + 1) == '"') {
            i += if ch == 'b' { 2 } else { 1 };
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                line += usize::from(at(i) == '\n');
                i += 1;
            }
            i += 1;
            out.push((Tok::Other, line));
        } else if ch == '\'' {
            // 'x', '\n', '\u{..}' are chars; 'a (no closing quote) is a
            // lifetime or a label.
            if at(i + 1) == '\\' {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
            out.push((Tok::Other, line));
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let mut word: String = c[start..i].iter().collect();
            if word == "r" && at(i) == '#' {
                // A raw identifier, r#type.
                i += 1;
                let s = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                word = c[s..i].iter().collect();
            }
            out.push((Tok::Ident(word), line));
        } else if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                // 1..n is a range, not a number with two dots.
                if c[i] == '.' && at(i + 1) == '.' {
                    break;
                }
                i += 1;
            }
            out.push((Tok::Other, line));
        } else {
            let tok = match ch {
                ':' if at(i + 1) == ':' => {
                    i += 1;
                    Tok::Colons
                }
                '{' => Tok::Open,
                '}' => Tok::Close,
                ';' => Tok::Semi,
                ',' => Tok::Comma,
                '*' => Tok::Star,
                '$' => Tok::Dollar,
                _ => Tok::Other,
            };
            i += 1;
            out.push((tok, line));
        }
    }
    out
}

/// The length of `r"`, `r#"`, `br##"` and the like starting at `i`.
fn raw_string_start(c: &[char], i: usize) -> Option<usize> {
    let prev_ident = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    if prev_ident {
        return None;
    }
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    while c.get(j) == Some(&'#') {
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some(j + 1 - i)
}

/// What a file says: its paths (each with the inline module it is written
/// in, relative to the file) and the names its `use`s bind, per scope.
#[derive(Debug, Default)]
pub struct FileRefs {
    /// (inline module path inside the file, path segments, line)
    pub paths: Vec<(Vec<String>, Vec<String>, usize)>,
    /// (inline module path, bound name) → the path it stands for.
    pub bindings: HashMap<(Vec<String>, String), Vec<String>>,
    /// Inline modules declared in the file, relative to it.
    pub inline_mods: BTreeSet<Vec<String>>,
}

pub fn scan(text: &str) -> FileRefs {
    let toks = tokens(text);
    let mut refs = FileRefs::default();
    // (name, brace depth inside it) of the inline modules we are in.
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let ident = |i: usize| match toks.get(i) {
        Some((Tok::Ident(w), _)) => Some(w.as_str()),
        _ => None,
    };
    while i < toks.len() {
        let scope: Vec<String> = stack.iter().map(|(n, _)| n.clone()).collect();
        match &toks[i].0 {
            Tok::Open => {
                depth += 1;
                i += 1;
            }
            Tok::Close => {
                if stack.last().is_some_and(|(_, d)| *d == depth) {
                    stack.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(name), Some((Tok::Open, _))) = (ident(i + 1), toks.get(i + 2)) {
                    let mut inner = scope.clone();
                    inner.push(name.to_string());
                    refs.inline_mods.insert(inner);
                    stack.push((name.to_string(), depth + 1));
                    depth += 1;
                    i += 3;
                } else {
                    i += 1;
                }
            }
            Tok::Ident(w) if w == "use" => {
                let line = toks[i].1;
                let mut j = i + 1;
                let mut uses = Vec::new();
                use_tree(&toks, &mut j, Vec::new(), &mut uses);
                for (path, bound) in uses {
                    if let Some(name) = bound {
                        refs.bindings.insert((scope.clone(), name), path.clone());
                    }
                    refs.paths.push((scope.clone(), path, line));
                }
                while j < toks.len() && toks[j].0 != Tok::Semi {
                    j += 1;
                }
                i = j + 1;
            }
            Tok::Ident(first) => {
                let after_colons = i > 0 && toks[i - 1].0 == Tok::Colons;
                let after_dollar = i > 0 && toks[i - 1].0 == Tok::Dollar;
                let mut segs = vec![first.clone()];
                let mut j = i + 1;
                while toks.get(j).map(|t| &t.0) == Some(&Tok::Colons) {
                    match ident(j + 1) {
                        Some(next) => {
                            segs.push(next.to_string());
                            j += 2;
                        }
                        None => break,
                    }
                }
                if !after_colons && !after_dollar && segs.len() > 1 {
                    refs.paths.push((scope, segs, toks[i].1));
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    refs
}

/// Expands one use tree into (full path, name it binds). A glob binds no
/// name; `self` in a group binds the group's last segment.
fn use_tree(
    toks: &[(Tok, usize)],
    i: &mut usize,
    prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) {
    let mut path = prefix;
    if toks.get(*i).map(|t| &t.0) == Some(&Tok::Colons) {
        // `use ::std::..`: another crate.
        *i += 1;
        path.push("::".into());
    }
    loop {
        match toks.get(*i).map(|t| &t.0) {
            Some(Tok::Ident(w)) => {
                let w = w.clone();
                *i += 1;
                if toks.get(*i).map(|t| &t.0) == Some(&Tok::Colons) {
                    path.push(w);
                    *i += 1;
                    continue;
                }
                let mut bound = w.clone();
                if let Some((Tok::Ident(a), _)) = toks.get(*i) {
                    if a == "as" {
                        if let Some((Tok::Ident(alias), _)) = toks.get(*i + 1) {
                            bound = alias.clone();
                        }
                        *i += 2;
                    }
                }
                if w == "self" {
                    let name = match path.last() {
                        Some(last) if bound == "self" => Some(last.clone()),
                        Some(_) => Some(bound),
                        None => None,
                    };
                    out.push((path, name));
                } else {
                    path.push(w);
                    out.push((path, Some(bound).filter(|b| b != "_")));
                }
                return;
            }
            Some(Tok::Star) => {
                *i += 1;
                out.push((path, None));
                return;
            }
            Some(Tok::Open) => {
                *i += 1;
                loop {
                    match toks.get(*i).map(|t| &t.0) {
                        Some(Tok::Close) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Comma) => *i += 1,
                        None => return,
                        _ => {
                            let before = *i;
                            use_tree(toks, i, path.clone(), out);
                            if *i == before {
                                *i += 1;
                            }
                        }
                    }
                }
            }
            _ => return,
        }
    }
}

/// The crate's modules and their edges.
pub struct Crate {
    pub modules: BTreeSet<ModPath>,
    pub edges: Vec<Edge>,
}

pub fn read_crate(sources: &[(String, String)]) -> Crate {
    let modules: BTreeSet<ModPath> = sources.iter().map(|(f, _)| module_of(f)).collect();
    let scans: BTreeMap<ModPath, (String, FileRefs)> = sources
        .iter()
        .map(|(f, t)| (module_of(f), (f.clone(), scan(t))))
        .collect();
    let resolver = Resolver {
        modules: &modules,
        scans: &scans,
    };
    let mut seen: BTreeMap<(ModPath, ModPath), Edge> = BTreeMap::new();
    for (module, (file, refs)) in &scans {
        for (scope, segs, line) in &refs.paths {
            let Some(target) = resolver.target(module, scope, segs) else {
                continue;
            };
            if &target == module {
                continue;
            }
            seen.entry((module.clone(), target.clone()))
                .or_insert_with(|| Edge {
                    from: module.clone(),
                    to: target,
                    file: file.clone(),
                    line: *line,
                });
        }
    }
    Crate {
        modules,
        edges: seen.into_values().collect(),
    }
}

struct Resolver<'a> {
    modules: &'a BTreeSet<ModPath>,
    scans: &'a BTreeMap<ModPath, (String, FileRefs)>,
}

impl Resolver<'_> {
    /// The file module a path written in `scope` of `module` lands in.
    fn target(&self, module: &ModPath, scope: &[String], segs: &[String]) -> Option<ModPath> {
        let here: Vec<String> = module.iter().chain(scope).cloned().collect();
        let mut abs = self.absolute(module, scope, &here, segs)?;
        // Follow `use`s (re-exports and imports a child reaches through
        // `super::`) to the module that defines the item; bounded, in case
        // two modules re-export each other.
        for _ in 0..8 {
            let file = self.deepest_file(&abs);
            let Some(next) = abs.get(file.len()) else {
                return Some(file);
            };
            let Some((_, refs)) = self.scans.get(&file) else {
                return Some(file);
            };
            let Some(bound) = refs.bindings.get(&(Vec::new(), next.clone())) else {
                return Some(file);
            };
            let rest = &abs[file.len() + 1..];
            let Some(mut through) = self.absolute(&file, &[], &file, bound) else {
                return Some(file);
            };
            through.extend(rest.iter().cloned());
            if through == abs {
                return Some(file);
            }
            abs = through;
        }
        Some(self.deepest_file(&abs))
    }

    /// `segs` as a path from the crate root, if it names something in this
    /// crate.
    fn absolute(
        &self,
        module: &ModPath,
        scope: &[String],
        here: &[String],
        segs: &[String],
    ) -> Option<Vec<String>> {
        let first = segs.first()?;
        match first.as_str() {
            "crate" => Some(segs[1..].to_vec()),
            "self" | "super" => {
                let mut base = here.to_vec();
                let mut rest = segs;
                while let Some(s) = rest.first() {
                    match s.as_str() {
                        "self" => {}
                        "super" => {
                            base.pop()?;
                        }
                        _ => break,
                    }
                    rest = &rest[1..];
                }
                base.extend(rest.iter().cloned());
                Some(base)
            }
            "::" | "std" | "core" | "alloc" => None,
            _ => {
                // A name bound by a `use` in this scope or an enclosing one
                // (a `use super::*` in `mod tests` brings the file's in).
                let refs = &self.scans.get(module)?.1;
                for k in (0..=scope.len()).rev() {
                    if let Some(bound) = refs.bindings.get(&(scope[..k].to_vec(), first.clone())) {
                        // `pub use history::history;` binds a function named
                        // like its module: the path's head is the module.
                        if bound.first() == Some(first) {
                            break;
                        }
                        let inner_here: Vec<String> =
                            module.iter().chain(&scope[..k]).cloned().collect();
                        let mut abs = self.absolute(module, &scope[..k], &inner_here, bound)?;
                        abs.extend(segs[1..].iter().cloned());
                        return Some(abs);
                    }
                }
                // A child module, named relative to where we are.
                let mut child = here.to_vec();
                child.push(first.clone());
                let inline = refs
                    .inline_mods
                    .contains(&scope.iter().chain([first]).cloned().collect::<Vec<_>>());
                if self.modules.contains(&child) || inline {
                    let mut abs = here.to_vec();
                    abs.extend(segs.iter().cloned());
                    return Some(abs);
                }
                None
            }
        }
    }

    fn deepest_file(&self, abs: &[String]) -> ModPath {
        (0..=abs.len())
            .rev()
            .map(|k| abs[..k].to_vec())
            .find(|p| self.modules.contains(p))
            .unwrap_or_default()
    }
}
