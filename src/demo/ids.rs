//! Identifiers the real cluster generates: UIDs, `generateName` suffixes,
//! pod-template hashes. No cryptographic strength is needed, only variety.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The alphabet of `k8s.io/apimachinery/pkg/util/rand`: no vowels, so
/// generated names never spell words, and no look-alike characters.
const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

static STATE: AtomicU64 = AtomicU64::new(0);

fn next_u64() -> u64 {
    let mut current = STATE.load(Ordering::Relaxed);
    loop {
        let seed = if current == 0 {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9e37_79b9_7f4a_7c15);
            (nanos ^ ((std::process::id() as u64) << 32)) | 1
        } else {
            current
        };
        // xorshift64*
        let mut x = seed;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        match STATE.compare_exchange_weak(current, x, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return x.wrapping_mul(0x2545_f491_4f6c_dd1d),
            Err(seen) => current = seen,
        }
    }
}

/// A random (version 4 layout) UID.
pub fn uid() -> String {
    let a = next_u64();
    let b = next_u64();
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// Random suffix like the API server appends to `generateName`.
pub fn suffix(len: usize) -> String {
    (0..len)
        .map(|_| ALPHANUMS[(next_u64() % ALPHANUMS.len() as u64) as usize] as char)
        .collect()
}

pub fn hex(len: usize) -> String {
    let mut s = String::with_capacity(len);
    while s.len() < len {
        s.push_str(&format!("{:016x}", next_u64()));
    }
    s.truncate(len);
    s
}

pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= *b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// `rand.SafeEncodeString` of the decimal hash: what makes `pod-template-hash`
/// values look like `7d4b9c8f5`.
pub fn safe_encode(s: &str) -> String {
    s.bytes()
        .map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_has_uuid_shape() {
        let u = uid();
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert_ne!(uid(), uid());
    }

    #[test]
    fn suffix_uses_safe_alphabet() {
        let s = suffix(5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|b| ALPHANUMS.contains(&b)));
    }

    #[test]
    fn fnv_matches_reference_vectors() {
        assert_eq!(fnv32a(b""), 0x811c9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c292c);
    }
}
