//! Drawing the write side's dialogs. Each `draw_*(f, area, &view, theme)`
//! lays out the view its dialog in `app::dialogs` hands over; nothing here
//! holds state or reads keys.

pub mod bluegreen;
pub mod confirm;
pub mod field;
pub mod guard;
pub mod history;
pub mod journal;
pub mod rollout;

#[cfg(test)]
pub(crate) mod test_render {
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;
    use ratatui::Terminal;

    pub fn render(w: u16, h: u16, draw: impl FnOnce(&mut ratatui::Frame)) -> Buffer {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(draw).unwrap();
        term.backend().buffer().clone()
    }

    pub fn text(buf: &Buffer) -> String {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The cell where `needle` starts on screen.
    pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
        for y in 0..buf.area.height {
            let line: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
            let joined: String = line.concat();
            if let Some(byte) = joined.find(needle) {
                let col = joined[..byte].chars().count();
                return Some((col as u16, y));
            }
        }
        None
    }
}
