//! The signals that would end kockpit. Each is caught, so that the run loop
//! ends the way `q` does (the guard is journaled as stopped, the journal
//! reaches the disk, the terminal is restored) and the process then exits
//! with 128 + the signal's number, as shells expect of a process a signal
//! ended.

use std::task::Poll;

use anyhow::Context;
use tokio::signal::unix::{signal, Signal, SignalKind};

/// Every signal whose default action ends the process and that a process
/// may catch. Faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) are left to
/// the panic hook and the default action; SIGKILL and SIGSTOP cannot be
/// caught.
const ENDING: [(libc::c_int, &str); 11] = [
    (libc::SIGHUP, "SIGHUP"),
    (libc::SIGINT, "SIGINT"),
    (libc::SIGQUIT, "SIGQUIT"),
    (libc::SIGTERM, "SIGTERM"),
    (libc::SIGUSR1, "SIGUSR1"),
    (libc::SIGUSR2, "SIGUSR2"),
    (libc::SIGALRM, "SIGALRM"),
    (libc::SIGVTALRM, "SIGVTALRM"),
    (libc::SIGPROF, "SIGPROF"),
    (libc::SIGXCPU, "SIGXCPU"),
    (libc::SIGXFSZ, "SIGXFSZ"),
];

/// How the run loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// `q`, `:quit`, ctrl-c, or the terminal went away.
    Quit,
    /// This signal (its number).
    Signal(libc::c_int),
}

impl Ended {
    /// 0 for a quit, 128 + N for signal N.
    pub fn exit_code(self) -> std::process::ExitCode {
        match self {
            Ended::Quit => std::process::ExitCode::SUCCESS,
            Ended::Signal(n) => {
                std::process::ExitCode::from(u8::try_from(128 + n).unwrap_or(u8::MAX))
            }
        }
    }
}

/// The ending signals, caught from now on.
pub struct EndingSignals {
    streams: Vec<(libc::c_int, Signal)>,
}

impl EndingSignals {
    pub fn catch() -> anyhow::Result<Self> {
        let streams = ENDING
            .iter()
            .map(|(n, name)| {
                signal(SignalKind::from_raw(*n))
                    .map(|s| (*n, s))
                    .with_context(|| format!("cannot catch {name}"))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(EndingSignals { streams })
    }

    /// Waits for the next ending signal and gives its number. Cancel-safe:
    /// a signal that arrives while another branch wins is kept for the
    /// next call.
    pub async fn recv(&mut self) -> libc::c_int {
        std::future::poll_fn(|cx| {
            for (n, s) in &mut self.streams {
                // `None` means the runtime is shutting down: nothing more
                // will come from that stream.
                if let Poll::Ready(Some(())) = s.poll_recv(cx) {
                    return Poll::Ready(*n);
                }
            }
            Poll::Pending
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        use std::process::ExitCode;
        assert_eq!(Ended::Quit.exit_code(), ExitCode::SUCCESS);
        assert_eq!(Ended::Signal(libc::SIGINT).exit_code(), ExitCode::from(130));
        assert_eq!(
            Ended::Signal(libc::SIGQUIT).exit_code(),
            ExitCode::from(131)
        );
        assert_eq!(
            Ended::Signal(libc::SIGTERM).exit_code(),
            ExitCode::from(143)
        );
    }

    #[tokio::test]
    async fn a_caught_signal_is_reported_by_number() {
        let mut signals = EndingSignals::catch().unwrap();
        // SIGUSR2 to ourselves: the test binary survives it only because
        // it is caught.
        unsafe { libc::raise(libc::SIGUSR2) };
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), signals.recv())
            .await
            .unwrap();
        assert_eq!(n, libc::SIGUSR2);
    }
}
