//! Terminal input at any rate. The `/` and `:` prompts hold a capped amount
//! of text and take a paste as one edit; the run loop drains the terminal
//! in bounded batches, so a burst of input (a 100,000-character paste on a
//! terminal without bracketed paste, a stuck key) costs one re-filter and
//! one frame per batch, and a quit key or a signal behind it is reached
//! within one batch.
//!
//! Why this matters: every typed character used to re-compile the whole
//! prompt as a regex, re-filter every row and redraw the whole prompt, so
//! a paste cost O(n²) (100,000 characters took over 15 minutes).

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};

use crate::app::dialogs::field::{clean_paste, cut_note, MAX_FIELD_CHARS};

/// The most a prompt holds: one limit for every text field.
pub const MAX_PROMPT_CHARS: usize = MAX_FIELD_CHARS;

/// Events handled per wake at most, and the time they may take: then the
/// frame is drawn and the other wakers (signals, the cluster) get a turn.
const BATCH_EVENTS: usize = 1024;
const BATCH_TIME: Duration = Duration::from_millis(10);

/// Whether the prompt holds all it can. Cheap: bytes bound characters
/// from above, so only a prompt already that long is counted.
pub fn full(input: &str) -> bool {
    input.len() >= MAX_PROMPT_CHARS && input.chars().count() >= MAX_PROMPT_CHARS
}

/// A typed character, unless the prompt is full.
pub fn push(input: &mut String, c: char) {
    if !full(input) && !c.is_control() {
        input.push(c);
    }
}

/// A paste, cleaned and cut to what fits.
pub fn paste(input: &mut String, text: &str) {
    let room = MAX_PROMPT_CHARS.saturating_sub(input.chars().count());
    let (fit, _) = clean_paste(text, room);
    input.push_str(&fit);
}

/// What the prompt line says next to a full prompt.
pub fn note(input: &str) -> Option<String> {
    full(input).then(|| cut_note(MAX_PROMPT_CHARS))
}

/// The events already waiting after the one that woke the run loop, up to
/// a batch's worth.
pub struct Batch {
    taken: usize,
    started: Instant,
}

impl Default for Batch {
    fn default() -> Self {
        Batch {
            taken: 1,
            started: Instant::now(),
        }
    }
}

impl Batch {
    /// The next event that is ready now, if the batch has room. Never
    /// waits. Called only right after the `EventStream` gave an event:
    /// then its reader thread is idle, so this polls the same queue
    /// without racing it.
    pub fn next_ready(&mut self) -> Option<io::Result<Event>> {
        if self.taken >= BATCH_EVENTS || self.started.elapsed() >= BATCH_TIME {
            return None;
        }
        match event::poll(Duration::ZERO) {
            Ok(true) => {
                self.taken += 1;
                Some(event::read())
            }
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// Makes crossterm read input it has left in the kernel. Its reader waits
/// on an edge-triggered epoll and returns as soon as one read gave an
/// event, so when more than one read's worth (1 KB) arrived at once and no
/// more comes, the rest sits unread until the next key press: a big paste
/// stalls, and a ctrl-c behind it is not seen (crossterm-rs/crossterm#1057,
/// unfixed in 0.28). Setting the terminal's attributes, unchanged, wakes
/// its readers, which re-arms that edge. Called when a batch ends; costs
/// one ioctl when nothing is pending.
pub fn rearm_stalled_input() {
    let fd = libc::STDIN_FILENO;
    let mut pending: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer given.
    let asked = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut pending) };
    if asked != 0 || pending <= 0 {
        return;
    }
    // SAFETY: termios is plain data; tcgetattr fills it and tcsetattr
    // reads it back, on a descriptor we do not close.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut t) == 0 {
            libc::tcsetattr(fd, libc::TCSANOW, &t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_stops_at_the_cap_and_pasting_fills_up_to_it() {
        let mut s = String::new();
        paste(&mut s, &"é".repeat(MAX_PROMPT_CHARS - 2));
        assert!(!full(&s), "bytes are not characters");
        push(&mut s, 'a');
        paste(&mut s, "bcd");
        assert_eq!(s.chars().count(), MAX_PROMPT_CHARS);
        assert!(s.ends_with("ab"));
        assert!(full(&s));
        assert_eq!(note(&s).as_deref(), Some("cut at 600 characters"));
        push(&mut s, 'z');
        assert!(s.ends_with("ab"));
        s.pop();
        assert_eq!(note(&s), None);
    }

    #[test]
    fn a_paste_never_submits_or_escapes() {
        let mut s = String::new();
        paste(&mut s, "api\r\nweb\x1b[2J\x07\tx\n");
        assert!(s.starts_with("api web") && s.ends_with(" x"), "{s:?}");
        assert!(!s.chars().any(char::is_control), "{s:?}");
        let before = s.clone();
        push(&mut s, '\u{1b}');
        assert_eq!(s, before);
    }
}
