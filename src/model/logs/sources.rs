//! Where lines come from. Lines carry a small index instead of two strings,
//! so a full buffer costs its text and little more.

use std::collections::HashMap;

use crate::model::sanitize::clean;

/// How many distinct pod colours the view cycles through.
pub const PALETTE_SIZE: u8 = 6;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub pod: String,
    pub container: String,
    /// Index into the view's palette, from a hash of the pod name, so a pod
    /// keeps its colour across restarts and sessions.
    pub colour: u8,
}

impl Source {
    /// `pod/container`, the prefix of every line and marker.
    pub fn label(&self) -> String {
        format!("{}/{}", self.pod, self.container)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Sources {
    list: Vec<Source>,
    index: HashMap<(String, String), u16>,
}

impl Sources {
    /// The index for `pod/container`, adding it when new. Past 65,535
    /// distinct sources every further one shares the last index: lines are
    /// never lost for want of a label.
    pub fn intern(&mut self, pod: &str, container: &str) -> u16 {
        if let Some(i) = self.index.get(&(pod.to_string(), container.to_string())) {
            return *i;
        }
        let Ok(i) = u16::try_from(self.list.len()) else {
            return u16::MAX;
        };
        // Names come from pod objects; clean them as any cluster text.
        self.list.push(Source {
            pod: clean(pod).into_owned(),
            container: clean(container).into_owned(),
            colour: colour_of(pod),
        });
        self.index
            .insert((pod.to_string(), container.to_string()), i);
        i
    }

    pub fn get(&self, i: u16) -> Option<&Source> {
        self.list.get(usize::from(i))
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// FNV-1a: stable across runs and platforms (unlike `DefaultHasher`).
pub fn colour_of(pod: &str) -> u8 {
    let mut h: u32 = 0x811c_9dc5;
    for b in pod.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h % u32::from(PALETTE_SIZE)) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_coloured_by_pod() {
        let mut s = Sources::default();
        let a = s.intern("web-1", "app");
        let b = s.intern("web-1", "sidecar");
        assert_ne!(a, b);
        assert_eq!(s.intern("web-1", "app"), a);
        let (sa, sb) = (s.get(a).unwrap(), s.get(b).unwrap());
        assert_eq!(sa.colour, sb.colour);
        assert_eq!(sa.label(), "web-1/app");
        assert!(sa.colour < PALETTE_SIZE);
    }

    #[test]
    fn colours_spread_over_the_palette() {
        let used: std::collections::HashSet<u8> = (0..50)
            .map(|i| colour_of(&format!("web-7d9f8-{i}")))
            .collect();
        assert!(used.len() >= 4, "{used:?}");
    }

    #[test]
    fn names_are_sanitized() {
        let mut s = Sources::default();
        let i = s.intern("evil\x1b]0;x\x07pod", "c\u{202E}");
        assert_eq!(s.get(i).unwrap().label(), "evil\u{FFFD}pod/c\u{FFFD}");
    }
}
