//! Terminal setup and restore, in one place. Restore runs on drop, from the
//! panic hook (chained before the default one, so the message lands on a
//! sane screen) and on the quit/signal paths of the run loop (every signal
//! that would end the process is caught: `app::signals`).

use std::io::{self, Stdout};
use std::sync::Once;

use crossterm::{cursor, event, execute, terminal};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub struct Tui {
    pub terminal: Term,
}

static HOOK: Once = Once::new();

impl Tui {
    pub fn enter(mouse: bool) -> io::Result<Self> {
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                restore();
                previous(info);
            }));
        });
        terminal::enable_raw_mode()?;
        let mut stdout = io::stdout();
        // Bracketed paste: a paste arrives as one event, never as keys
        // (`app::input`).
        if let Err(e) = execute!(
            stdout,
            terminal::EnterAlternateScreen,
            cursor::Hide,
            event::EnableBracketedPaste
        ) {
            restore();
            return Err(e);
        }
        if mouse {
            if let Err(e) = execute!(stdout, event::EnableMouseCapture) {
                restore();
                return Err(e);
            }
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout)).inspect_err(|_| restore())?;
        Ok(Tui { terminal })
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}

/// Safe to call more than once, and whether or not the mouse was captured.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        event::DisableBracketedPaste,
        event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}
