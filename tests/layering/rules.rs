//! The two rules over the edges: no edge may point up the layer order (or
//! sideways, between two peers of one layer), and no two sibling modules
//! may import each other, even through others. Allowed exceptions must
//! still exist and still be exceptions, so the list can only shrink.

use std::collections::{BTreeMap, BTreeSet};

use super::edges::{show, Crate, Edge, ModPath};

/// A layer: a name, the module subtrees it holds (a module belongs to the
/// longest listed prefix of its path), and the layers right under it. A
/// module may import its own subtree and every layer under its layer,
/// directly or further down.
pub struct Layer {
    pub name: &'static str,
    pub modules: &'static [&'static str],
    pub on: &'static [&'static str],
}

/// An edge that breaks a rule today and is meant to go; `why` says what
/// removes it.
pub struct Allowed {
    pub from: &'static str,
    pub to: &'static str,
    pub why: &'static str,
}

pub struct Layers<'a> {
    layers: &'a [Layer],
    /// prefix → (layer index, the unit: the listed prefix itself)
    units: Vec<(ModPath, usize)>,
    /// layer index → every layer index under it
    under: Vec<BTreeSet<usize>>,
}

impl<'a> Layers<'a> {
    pub fn new(layers: &'a [Layer]) -> Result<Self, String> {
        let index = |name: &str| {
            layers
                .iter()
                .position(|l| l.name == name)
                .ok_or_else(|| format!("layer {name:?} is named under another but never defined"))
        };
        let mut units = Vec::new();
        for (i, l) in layers.iter().enumerate() {
            for m in l.modules {
                units.push((m.split("::").map(String::from).collect(), i));
            }
        }
        let mut under = vec![BTreeSet::new(); layers.len()];
        // Layers are written bottom first, so what a layer sits on is
        // already complete when it is reached.
        for (i, l) in layers.iter().enumerate() {
            for on in l.on {
                let j = index(on)?;
                if j >= i {
                    return Err(format!(
                        "layer {:?} sits on {on:?}, which is listed after it: list layers bottom first",
                        l.name
                    ));
                }
                let below = under[j].clone();
                under[i].insert(j);
                under[i].extend(below);
            }
        }
        Ok(Layers {
            layers,
            units,
            under,
        })
    }

    /// (layer index, unit) of a module: the longest listed prefix.
    fn place(&self, m: &[String]) -> Option<(usize, &ModPath)> {
        self.units
            .iter()
            .filter(|(p, _)| m.starts_with(p))
            .max_by_key(|(p, _)| p.len())
            .map(|(p, i)| (*i, p))
    }

    /// Why this edge may not exist, if it may not.
    pub fn violation(&self, from: &[String], to: &[String]) -> Option<String> {
        if from.is_empty() {
            // lib.rs only declares the top-level modules.
            return None;
        }
        let (Some((lf, uf)), Some((lt, ut))) = (self.place(from), self.place(to)) else {
            return None;
        };
        if uf == ut || self.under[lf].contains(&lt) {
            return None;
        }
        let (nf, nt) = (self.layers[lf].name, self.layers[lt].name);
        Some(if lf == lt {
            format!(
                "{} and {} are peers in layer {nf:?}: neither may import the other",
                show(uf),
                show(ut)
            )
        } else {
            format!("upward: layer {nf:?} is not on layer {nt:?}")
        })
    }
}

/// Every problem with the crate's edges, one line each; empty when clean.
pub fn check(krate: &Crate, layers: &[Layer], allowed: &[Allowed]) -> Vec<String> {
    let layers = match Layers::new(layers) {
        Ok(l) => l,
        Err(e) => return vec![e],
    };
    let mut problems = Vec::new();
    for (unit, i) in &layers.units {
        if !krate.modules.iter().any(|m| m.starts_with(unit)) {
            problems.push(format!(
                "layer {:?} lists {}, which is no module",
                layers.layers[*i].name,
                show(unit)
            ));
        }
    }
    for m in &krate.modules {
        if !m.is_empty() && layers.place(m).is_none() {
            problems.push(format!(
                "module {} is in no layer: add it to LAYERS",
                show(m)
            ));
        }
    }
    let is_allowed = |e: &Edge| {
        allowed
            .iter()
            .any(|a| a.from == show(&e.from) && a.to == show(&e.to))
    };
    let clean: Vec<&Edge> = krate.edges.iter().filter(|e| !is_allowed(e)).collect();
    for e in &clean {
        if let Some(why) = layers.violation(&e.from, &e.to) {
            problems.push(format!(
                "{}:{}: {} -> {}: {why}",
                e.file,
                e.line,
                show(&e.from),
                show(&e.to)
            ));
        }
    }
    let siblings = sibling_graphs(&clean);
    for (parent, graph) in &siblings {
        for cycle in cycles(graph) {
            let mut lines = Vec::new();
            for a in &cycle {
                for (b, via) in graph.get(a).into_iter().flatten() {
                    if cycle.contains(b) {
                        let e = via[0];
                        lines.push(format!(
                            "    {a} -> {b}, e.g. {}:{}: {} -> {}",
                            e.file,
                            e.line,
                            show(&e.from),
                            show(&e.to)
                        ));
                    }
                }
            }
            problems.push(format!(
                "cycle between the modules {} of {}:\n{}",
                cycle.iter().cloned().collect::<Vec<_>>().join(", "),
                show(parent),
                lines.join("\n")
            ));
        }
    }
    for a in allowed {
        let Some(e) = krate
            .edges
            .iter()
            .find(|e| show(&e.from) == a.from && show(&e.to) == a.to)
        else {
            problems.push(format!(
                "allowed edge {} -> {} ({}) no longer exists: remove it from ALLOWED",
                a.from, a.to, a.why
            ));
            continue;
        };
        let upward = layers.violation(&e.from, &e.to).is_some();
        if !upward && !closes_cycle(e, &siblings) {
            problems.push(format!(
                "allowed edge {} -> {} ({}) breaks no rule any more: remove it from ALLOWED",
                a.from, a.to, a.why
            ));
        }
    }
    problems
}

/// For every module, the edges between its children: an edge from
/// `a::x::..` to `a::y::..` is an edge `x -> y` among the children of `a`.
/// Edges between a module and its own ancestors are a folder's `mod.rs`
/// and its files working together, not a cycle.
type Graph<'e> = BTreeMap<String, BTreeMap<String, Vec<&'e Edge>>>;

fn sibling_graphs<'e>(edges: &[&'e Edge]) -> BTreeMap<ModPath, Graph<'e>> {
    let mut out: BTreeMap<ModPath, Graph<'e>> = BTreeMap::new();
    for e in edges {
        if let Some((parent, a, b)) = project(e) {
            out.entry(parent)
                .or_default()
                .entry(a)
                .or_default()
                .entry(b)
                .or_default()
                .push(e);
        }
    }
    out
}

fn project(e: &Edge) -> Option<(ModPath, String, String)> {
    let common = e.from.iter().zip(&e.to).take_while(|(a, b)| a == b).count();
    let (a, b) = (e.from.get(common)?, e.to.get(common)?);
    Some((e.from[..common].to_vec(), a.clone(), b.clone()))
}

/// Whether an (allowed) edge would close a cycle among the clean edges.
fn closes_cycle(e: &Edge, siblings: &BTreeMap<ModPath, Graph<'_>>) -> bool {
    let Some((parent, a, b)) = project(e) else {
        return false;
    };
    let Some(graph) = siblings.get(&parent) else {
        return false;
    };
    let mut seen = BTreeSet::new();
    let mut todo = vec![b];
    while let Some(n) = todo.pop() {
        if n == a {
            return true;
        }
        if seen.insert(n.clone()) {
            todo.extend(graph.get(&n).into_iter().flat_map(|m| m.keys().cloned()));
        }
    }
    false
}

/// The strongly connected groups of more than one node (Tarjan).
fn cycles(graph: &Graph<'_>) -> Vec<BTreeSet<String>> {
    struct State<'g> {
        graph: &'g Graph<'g>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flat_map(|m| m.keys()) {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                s.out.push(group);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}
