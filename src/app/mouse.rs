//! The optional mouse (`--mouse`): the wheel moves like the arrow keys, a
//! click on a table row highlights it, a click on the highlighted row opens
//! it. Off by default: capturing the mouse takes text selection away from
//! the terminal, and an operator over SSH copies pod names with it.
//!
//! Mouse input becomes the same messages as keys, so it can do nothing a
//! key could not.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::state::{App, Mode};
use super::update::Msg;
use crate::action::Action;

/// Lines the wheel moves per notch, as most terminals scroll.
const WHEEL_LINES: usize = 3;

/// Screen line of a table's first row: the header line, the table's top
/// border and its column titles come before it (see `ui::draw`).
const FIRST_ROW_LINE: u16 = 3;

pub fn to_msgs(app: &App, ev: &MouseEvent) -> Vec<Msg> {
    // A panel, the help or a prompt has the keys; clicks must not act
    // behind it.
    if app.write.top().is_some() || app.help || app.mode != Mode::Normal {
        return Vec::new();
    }
    match ev.kind {
        MouseEventKind::ScrollDown => vec![Msg::Action(Action::Down); WHEEL_LINES],
        MouseEventKind::ScrollUp => vec![Msg::Action(Action::Up); WHEEL_LINES],
        MouseEventKind::Down(MouseButton::Left) => click(app, ev.row),
        _ => Vec::new(),
    }
}

fn click(app: &App, line: u16) -> Vec<Msg> {
    let view = app.view();
    if !view.screen.is_table() || line < FIRST_ROW_LINE {
        return Vec::new();
    }
    let on_screen = usize::from(line - FIRST_ROW_LINE);
    if on_screen >= app.page_rows {
        return Vec::new();
    }
    let target = view.offset + on_screen;
    if target >= view.visible.len() {
        return Vec::new();
    }
    if target == view.selected {
        return vec![Msg::Action(Action::Enter)];
    }
    let (step, n) = if target > view.selected {
        (Action::Down, target - view.selected)
    } else {
        (Action::Up, view.selected - target)
    };
    vec![Msg::Action(step); n]
}

#[cfg(test)]
mod tests {
    use crossterm::event::KeyModifiers;

    use super::*;
    use crate::app::state::{ClusterInfo, Kind, Screen, View};

    fn app_on_pods(rows: usize, selected: usize, offset: usize) -> App {
        let mut app = App::new(ClusterInfo::default(), Some("shop".into()), "shop".into());
        let mut view = View::new(Screen::List(Kind::Pods));
        view.visible = (0..rows).collect();
        view.selected = selected;
        view.offset = offset;
        app.views = vec![view];
        app.page_rows = 10;
        app
    }

    fn at(kind: MouseEventKind, row: u16) -> MouseEvent {
        MouseEvent {
            kind,
            column: 5,
            row,
            modifiers: KeyModifiers::NONE,
        }
    }

    fn left(row: u16) -> MouseEvent {
        at(MouseEventKind::Down(MouseButton::Left), row)
    }

    #[test]
    fn a_click_moves_the_highlight_to_the_row_under_it() {
        let app = app_on_pods(20, 2, 0);
        assert_eq!(
            to_msgs(&app, &left(3 + 5)),
            vec![Msg::Action(Action::Down); 3]
        );
        assert_eq!(to_msgs(&app, &left(3)), vec![Msg::Action(Action::Up); 2]);
        // Scrolled: the first line on screen is row 10.
        let app = app_on_pods(20, 12, 10);
        assert_eq!(
            to_msgs(&app, &left(3 + 4)),
            vec![Msg::Action(Action::Down); 2]
        );
    }

    #[test]
    fn a_click_on_the_highlighted_row_opens_it() {
        let app = app_on_pods(20, 2, 0);
        assert_eq!(
            to_msgs(&app, &left(3 + 2)),
            vec![Msg::Action(Action::Enter)]
        );
    }

    #[test]
    fn clicks_off_the_rows_do_nothing() {
        let app = app_on_pods(4, 0, 0);
        for line in [0, 1, 2, 3 + 4, 3 + 10, 40] {
            assert!(to_msgs(&app, &left(line)).is_empty(), "line {line}");
        }
        let mut overview = app_on_pods(4, 0, 0);
        overview.views = vec![View::new(Screen::Overview)];
        assert!(to_msgs(&overview, &left(4)).is_empty());
    }

    #[test]
    fn the_wheel_moves_like_the_arrows_and_nothing_acts_behind_a_prompt() {
        let mut app = app_on_pods(20, 0, 0);
        assert_eq!(
            to_msgs(&app, &at(MouseEventKind::ScrollDown, 9)),
            vec![Msg::Action(Action::Down); 3]
        );
        assert_eq!(
            to_msgs(&app, &at(MouseEventKind::ScrollUp, 9)),
            vec![Msg::Action(Action::Up); 3]
        );
        app.mode = Mode::Filter;
        assert!(to_msgs(&app, &at(MouseEventKind::ScrollDown, 9)).is_empty());
        assert!(to_msgs(&app, &left(5)).is_empty());
        app.mode = Mode::Normal;
        app.help = true;
        assert!(to_msgs(&app, &left(5)).is_empty());
    }
}
