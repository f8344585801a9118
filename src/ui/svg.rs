//! Renders a terminal buffer as an SVG picture, for the README's
//! screenshots: deterministic (same buffer, same bytes), no fonts embedded.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;
const BACKGROUND: &str = "#1e2030";
const FOREGROUND: &str = "#c8d3f5";

pub fn buffer_to_svg(buf: &Buffer) -> String {
    let area = buf.area;
    let (w, h) = (
        f32::from(area.width) * CELL_W,
        f32::from(area.height) * CELL_H,
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{BACKGROUND}"/>"#
    );
    for y in 0..area.height {
        // Runs of cells with the same style become one <text>/<rect>.
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(area.x + x, area.y + y)];
            let (fg, bg, mods) = (cell.fg, cell.bg, cell.modifier);
            let start = x;
            let mut text = String::new();
            while x < area.width {
                let c = &buf[(area.x + x, area.y + y)];
                if c.fg != fg || c.bg != bg || c.modifier != mods {
                    break;
                }
                text.push_str(c.symbol());
                x += 1;
            }
            let (mut fg_hex, mut bg_hex) = (hex(fg, FOREGROUND), hex(bg, BACKGROUND));
            if mods.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg_hex, &mut bg_hex);
            }
            let px = f32::from(start) * CELL_W;
            let py = f32::from(y) * CELL_H;
            if bg_hex != BACKGROUND {
                let rw = f32::from(x - start) * CELL_W;
                let _ = writeln!(
                    out,
                    r#"<rect x="{px:.1}" y="{py:.1}" width="{rw:.1}" height="{CELL_H}" fill="{bg_hex}"/>"#
                );
            }
            if text.trim().is_empty() {
                continue;
            }
            let weight = if mods.contains(Modifier::BOLD) {
                r#" font-weight="bold""#
            } else {
                ""
            };
            let _ = writeln!(
                out,
                r#"<text x="{px:.1}" y="{:.1}" fill="{fg_hex}"{weight} xml:space="preserve">{}</text>"#,
                py + CELL_H * 0.78,
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn hex(c: Color, default: &str) -> String {
    let rgb = match c {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Reset => return default.to_string(),
        Color::Black => (0, 0, 0),
        Color::Red => (205, 0, 0),
        Color::Green => (0, 205, 0),
        Color::Yellow => (205, 205, 0),
        Color::Blue => (0, 0, 238),
        Color::Magenta => (205, 0, 205),
        Color::Cyan => (0, 205, 205),
        Color::Gray => (229, 229, 229),
        Color::DarkGray => (127, 127, 127),
        Color::LightRed => (255, 85, 85),
        Color::LightGreen => (85, 255, 85),
        Color::LightYellow => (255, 255, 85),
        Color::LightBlue => (92, 92, 255),
        Color::LightMagenta => (255, 85, 255),
        Color::LightCyan => (85, 255, 255),
        Color::White => (255, 255, 255),
        Color::Indexed(_) => return default.to_string(),
    };
    format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn escapes_text_and_groups_runs() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        buf.set_string(0, 0, "<a&b>", Style::default().fg(Color::Rgb(255, 0, 0)));
        let svg = buffer_to_svg(&buf);
        assert!(svg.contains(">&lt;a&amp;b&gt;<"), "{svg}");
        assert!(svg.contains("#ff0000"));
        assert_eq!(svg, buffer_to_svg(&buf), "deterministic");
    }
}
