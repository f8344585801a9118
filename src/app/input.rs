//! Terminal input at any rate. The `/` and `:` prompts hold a capped amount
//! of text and take a paste as one edit; the run loop reads what the
//! terminal has ready into a queue and handles it in bounded batches, so a
//! burst of input (a 100,000-character paste on a terminal without
//! bracketed paste, a stuck key) costs one re-filter and one frame per
//! batch, signals and the cluster get their turn between batches, and a
//! ctrl-c anywhere in what was read quits at once.
//!
//! Why this matters: every typed character used to re-compile the whole
//! prompt as a regex, re-filter every row and redraw the whole prompt, so
//! a paste cost O(n²) (100,000 characters took over 15 minutes).

use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};

use crate::app::dialogs::field::{clean_paste, cut_note, MAX_FIELD_CHARS};

/// The most a prompt holds: one limit for every text field.
pub const MAX_PROMPT_CHARS: usize = MAX_FIELD_CHARS;

/// Events handled per wake at most, and the time they may take: then the
/// frame is drawn and the other wakers (signals, the cluster) get a turn.
const BATCH_EVENTS: usize = 1024;
const BATCH_TIME: Duration = Duration::from_millis(10);
/// Events read ahead per wake, and queued at most: reading one costs
/// about as little as looking at it for ctrl-c.
const READ_AHEAD: usize = 8 * 1024;
const QUEUE_MAX: usize = 64 * 1024;

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

/// Terminal events read but not yet handled.
#[derive(Default)]
pub struct InputQueue {
    events: VecDeque<Event>,
    /// The terminal's event stream ended.
    pub closed: bool,
}

impl InputQueue {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Queues what the `EventStream` gave and what is ready behind it.
    /// Returns true when a ctrl-c was among them: quit now, whatever
    /// queued ahead of it (the queue is dropped).
    ///
    /// Reading ahead uses crossterm's synchronous poll on the same queue
    /// the stream reads; that is safe only right after the stream gave an
    /// event (then its reader thread is idle) or while the stream is not
    /// being polled (the queue is not empty), which is when this runs.
    pub fn fill(&mut self, from_stream: Option<io::Result<Event>>) -> io::Result<bool> {
        match from_stream {
            Some(ev) => {
                if self.push(ev?) {
                    return Ok(true);
                }
            }
            None => {
                self.closed = true;
                return Ok(false);
            }
        }
        self.read_ahead()
    }

    /// Queues what is ready now, up to a wake's worth; true on a ctrl-c.
    pub fn read_ahead(&mut self) -> io::Result<bool> {
        let mut read = 0;
        while read < READ_AHEAD && self.events.len() < QUEUE_MAX && event::poll(Duration::ZERO)? {
            read += 1;
            if self.push(event::read()?) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn push(&mut self, ev: Event) -> bool {
        if is_ctrl_c(&ev) {
            self.events.clear();
            return true;
        }
        self.events.push_back(ev);
        false
    }

    /// The next events to handle, a bounded batch of them.
    pub fn batch(&mut self) -> Batch<'_> {
        Batch {
            queue: self,
            taken: 0,
            started: Instant::now(),
        }
    }
}

fn is_ctrl_c(ev: &Event) -> bool {
    matches!(ev, Event::Key(k) if k.code == KeyCode::Char('c')
        && k.modifiers.contains(KeyModifiers::CONTROL)
        && k.kind != KeyEventKind::Release)
}

/// Up to a batch's worth of queued events: a count and a time limit.
pub struct Batch<'a> {
    queue: &'a mut InputQueue,
    taken: usize,
    started: Instant,
}

impl Iterator for Batch<'_> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if self.taken >= BATCH_EVENTS || self.started.elapsed() >= BATCH_TIME {
            return None;
        }
        self.taken += 1;
        self.queue.events.pop_front()
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
