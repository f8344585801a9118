//! Polling for things that happen eventually, from blocking tests.

use std::thread;
use std::time::{Duration, Instant};

/// Calls `probe` every 250 ms until it gives a value; panics with what it
/// last saw once `timeout` has passed.
pub fn eventually<T>(
    what: &str,
    timeout: Duration,
    mut probe: impl FnMut() -> Result<T, String>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        match probe() {
            Ok(v) => return v,
            Err(last) if Instant::now() > deadline => {
                panic!("timed out waiting for {what}; last seen:\n{last}")
            }
            Err(_) => thread::sleep(Duration::from_millis(250)),
        }
    }
}
