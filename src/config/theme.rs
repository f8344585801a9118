//! Themes: named colour roles, degraded gracefully to what the terminal can
//! show (truecolor, 256 or 16 colours) and dropped entirely under NO_COLOR.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::{line_of, ConfigError};

pub const DARK: &str = include_str!("../../themes/dark.toml");

/// Every shipped theme, by the name `--theme` and `base =` use.
pub const SHIPPED: [(&str, &str); 5] = [
    ("dark", DARK),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("dracula", include_str!("../../themes/dracula.toml")),
    ("gruvbox", include_str!("../../themes/gruvbox.toml")),
];

/// Every role a theme may set; a file naming anything else is an error.
pub const ROLES: [&str; 14] = [
    "text",
    "dim",
    "accent",
    "header",
    "border",
    "selected_fg",
    "selected_bg",
    "ok",
    "progressing",
    "warning",
    "failed",
    "gone",
    "bar_fg",
    "bar_bg",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorDepth {
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorDepth {
    /// What the environment says the terminal can show. NO_COLOR (any
    /// non-empty value, per no-color.org) wins over everything.
    pub fn detect() -> Self {
        let var = |k: &str| std::env::var(k).unwrap_or_default();
        if !var("NO_COLOR").is_empty() {
            return ColorDepth::None;
        }
        let colorterm = var("COLORTERM").to_ascii_lowercase();
        if colorterm.contains("truecolor") || colorterm.contains("24bit") {
            return ColorDepth::TrueColor;
        }
        if var("TERM").contains("256") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    name: Option<String>,
    base: Option<String>,
    #[serde(default)]
    colors: BTreeMap<String, toml::Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    colors: BTreeMap<&'static str, Color>,
    depth: ColorDepth,
}

impl Theme {
    pub fn builtin() -> Self {
        let (t, _) = Theme::load("dark", None, ColorDepth::TrueColor);
        t
    }

    pub fn load(
        name: &str,
        user_file: Option<(&str, &str)>,
        depth: ColorDepth,
    ) -> (Self, Option<ConfigError>) {
        let (theme, problems) = Self::load_all(name, user_file, depth);
        (theme, problems.into_iter().next())
    }

    /// Like [`Theme::load`], with every problem found. A user file with any
    /// mistake is not applied at all.
    pub fn load_all(
        name: &str,
        user_file: Option<(&str, &str)>,
        depth: ColorDepth,
    ) -> (Self, Vec<ConfigError>) {
        let mut theme = Theme {
            name: "dark".into(),
            colors: BTreeMap::new(),
            depth,
        };
        let mut problems = Vec::new();
        // The default theme underlies every other, so a theme that leaves a
        // role out still draws it.
        problems.extend(
            theme
                .apply("themes/dark.toml", DARK)
                .err()
                .into_iter()
                .flatten(),
        );
        let mut base = name.to_string();
        let user = user_file.and_then(|(file, text)| match toml::from_str::<File>(text) {
            Ok(f) => {
                if let Some(b) = f.base {
                    base = b;
                }
                Some((file, text))
            }
            Err(e) => {
                problems.push(ConfigError::from_toml(file, text, &e));
                None
            }
        });
        match SHIPPED.iter().find(|(n, _)| *n == base) {
            Some((n, text)) => {
                if *n != "dark" {
                    problems.extend(theme.apply(n, text).err().into_iter().flatten());
                }
                theme.name = n.to_string();
            }
            None => {
                let names = SHIPPED
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ");
                problems.push(ConfigError {
                    file: user_file.map_or("--theme", |(f, _)| f).into(),
                    line: 1,
                    reason: format!("unknown theme \"{base}\" (shipped: {names})"),
                });
            }
        }
        if let Some((file, text)) = user {
            let before = theme.clone();
            if let Err(mut errors) = theme.apply(file, text) {
                theme = before;
                problems.append(&mut errors);
            }
        }
        (theme, problems)
    }

    /// Applies a file's colours; on any mistake, every mistake in it.
    fn apply(&mut self, file: &str, text: &str) -> Result<(), Vec<ConfigError>> {
        let parsed: File =
            toml::from_str(text).map_err(|e| vec![ConfigError::from_toml(file, text, &e)])?;
        let mut problems = Vec::new();
        for (role, value) in parsed.colors {
            let err = |reason: String| ConfigError {
                file: file.into(),
                line: line_of(text, value.span().start),
                reason,
            };
            let Some(role) = ROLES.iter().find(|r| **r == role) else {
                problems.push(err(format!(
                    "unknown colour role \"{role}\" (roles: {})",
                    ROLES.join(", ")
                )));
                continue;
            };
            match parse_color(value.get_ref()) {
                Ok(color) => {
                    self.colors.insert(role, color);
                }
                Err(reason) => problems.push(err(reason)),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            // Sorted by line: the order the operator reads the file in.
            problems.sort_by_key(|p| p.line);
            Err(problems)
        }
    }

    fn color(&self, role: &str) -> Color {
        let c = self.colors.get(role).copied().unwrap_or(Color::Reset);
        degrade(c, self.depth)
    }

    fn fg(&self, role: &str) -> Style {
        if self.depth == ColorDepth::None {
            return Style::default();
        }
        Style::default().fg(self.color(role))
    }

    pub fn text(&self) -> Style {
        self.fg("text")
    }
    pub fn dim(&self) -> Style {
        self.fg("dim")
            .add_modifier(if self.depth == ColorDepth::None {
                Modifier::DIM
            } else {
                Modifier::empty()
            })
    }
    pub fn accent(&self) -> Style {
        self.fg("accent").add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        self.fg("header").add_modifier(Modifier::BOLD)
    }
    pub fn border(&self) -> Style {
        self.fg("border")
    }
    pub fn ok(&self) -> Style {
        self.fg("ok")
    }
    pub fn progressing(&self) -> Style {
        self.fg("progressing")
    }
    pub fn warning(&self) -> Style {
        self.fg("warning")
    }
    /// Failure must stand out even without colour.
    pub fn failed(&self) -> Style {
        self.fg("failed")
            .add_modifier(if self.depth == ColorDepth::None {
                Modifier::BOLD
            } else {
                Modifier::empty()
            })
    }
    pub fn gone(&self) -> Style {
        self.fg("gone")
            .add_modifier(if self.depth == ColorDepth::None {
                Modifier::DIM
            } else {
                Modifier::empty()
            })
    }
    pub fn selected(&self) -> Style {
        if self.depth == ColorDepth::None {
            return Style::default().add_modifier(Modifier::REVERSED);
        }
        Style::default()
            .fg(self.color("selected_fg"))
            .bg(self.color("selected_bg"))
    }
    pub fn bar(&self) -> Style {
        if self.depth == ColorDepth::None {
            return Style::default().add_modifier(Modifier::REVERSED);
        }
        Style::default()
            .fg(self.color("bar_fg"))
            .bg(self.color("bar_bg"))
    }
}

/// A colour as a theme file writes it: what ratatui's `Color::from_str`
/// reads (a name, `#rrggbb` or 0-255), plus `default` for the terminal's
/// own colour, and our wording when it is none of them.
pub fn parse_color(text: &str) -> Result<Color, String> {
    let t = text.trim();
    // ratatui would take `#+1+2+3` (each pair parsed as a signed number); a
    // theme means six hex digits.
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("bad colour \"{text}\": expected #rrggbb"));
        }
    }
    if t.to_ascii_lowercase().replace(['_', '-', ' '], "") == "default" {
        return Ok(Color::Reset);
    }
    Color::from_str(t)
        .map_err(|_| format!("bad colour \"{text}\": expected #rrggbb, 0-255 or a colour name"))
}

/// The 16 ANSI colours as xterm draws them, for nearest-colour matching.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

pub fn degrade(c: Color, depth: ColorDepth) -> Color {
    let Color::Rgb(r, g, b) = c else {
        return if depth == ColorDepth::None {
            Color::Reset
        } else {
            c
        };
    };
    match depth {
        ColorDepth::TrueColor => c,
        ColorDepth::None => Color::Reset,
        ColorDepth::Ansi256 => Color::Indexed(nearest_256(r, g, b)),
        ColorDepth::Ansi16 => {
            let dist = |(r2, g2, b2): (u8, u8, u8)| {
                let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
                d(r, r2) + d(g, g2) + d(b, b2)
            };
            ANSI16
                .iter()
                .min_by_key(|(_, rgb)| dist(*rgb))
                .map_or(Color::Reset, |(c, _)| *c)
        }
    }
}

/// Nearest entry of the xterm 6×6×6 cube or grey ramp.
fn nearest_256(r: u8, g: u8, b: u8) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let idx = |v: u8| {
        LEVELS
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| (i32::from(**l) - i32::from(v)).abs())
            .map_or(0, |(i, _)| i)
    };
    let (ri, gi, bi) = (idx(r), idx(g), idx(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let cube_rgb = (LEVELS[ri], LEVELS[gi], LEVELS[bi]);
    let avg = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
    let grey_i = (avg.saturating_sub(8) / 10).min(23);
    let grey_v = (8 + grey_i * 10) as u8;
    let d = |(r2, g2, b2): (u8, u8, u8)| {
        let f = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        f(r, r2) + f(g, g2) + f(b, b2)
    };
    if d((grey_v, grey_v, grey_v)) < d(cube_rgb) {
        232 + grey_i as u8
    } else {
        cube as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_themes_parse_and_set_every_role() {
        for (name, text) in SHIPPED {
            let parsed: File = toml::from_str(text).unwrap();
            let (theme, problem) = Theme::load(name, None, ColorDepth::TrueColor);
            assert!(problem.is_none(), "{name}: {problem:?}");
            assert_eq!(theme.name, name);
            for role in ROLES {
                assert!(parsed.colors.contains_key(role), "{name} lacks {role}");
            }
        }
    }

    #[test]
    fn bad_user_theme_names_the_line_and_falls_back() {
        let user = "[colors]\nok = \"#12345\"\n";
        let (theme, problem) =
            Theme::load("dark", Some(("theme.toml", user)), ColorDepth::TrueColor);
        let p = problem.unwrap();
        assert_eq!((p.file.as_str(), p.line), ("theme.toml", 2));
        assert_eq!(theme, Theme::builtin());
        let (_, p) = Theme::load(
            "dark",
            Some(("t.toml", "[colors]\nfoo = \"red\"")),
            ColorDepth::TrueColor,
        );
        assert!(p.unwrap().reason.contains("unknown colour role"));
    }

    #[test]
    fn every_mistake_in_a_theme_is_reported_at_once() {
        let (theme, problems) = Theme::load_all(
            "dark",
            Some((
                "t.toml",
                "[colors]\nfoo = \"red\"\nfailed = \"red\"\nok = \"#12\"\n",
            )),
            ColorDepth::TrueColor,
        );
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 4], "{problems:?}");
        assert_eq!(theme.failed(), Theme::builtin().failed(), "nothing applied");
    }

    #[test]
    fn colours_read_by_name_hex_or_index_with_our_wording() {
        for (text, want) in [
            ("red", Color::Red),
            (" Light_Blue ", Color::LightBlue),
            ("dark-grey", Color::DarkGray),
            ("grey", Color::Gray),
            ("default", Color::Reset),
            ("Reset", Color::Reset),
            ("white", Color::White),
            ("#0a0B0c", Color::Rgb(10, 11, 12)),
            ("208", Color::Indexed(208)),
        ] {
            assert_eq!(parse_color(text), Ok(want), "{text:?}");
        }
        // ratatui's names for the bright colours read too.
        assert_eq!(parse_color("bright red"), Ok(Color::LightRed));
        for bad in ["#12345", "#+1+2+3", "#1234567"] {
            assert_eq!(
                parse_color(bad).unwrap_err(),
                format!("bad colour \"{bad}\": expected #rrggbb")
            );
        }
        for bad in ["mauve", "256", ""] {
            assert_eq!(
                parse_color(bad).unwrap_err(),
                format!("bad colour \"{bad}\": expected #rrggbb, 0-255 or a colour name")
            );
        }
    }

    #[test]
    fn user_theme_overrides_one_role() {
        let (theme, problem) = Theme::load(
            "dark",
            Some(("t.toml", "[colors]\nfailed = \"red\"\n")),
            ColorDepth::TrueColor,
        );
        assert!(problem.is_none());
        assert_eq!(theme.failed().fg, Some(Color::Red));
        assert_eq!(theme.ok(), Theme::builtin().ok());
    }

    #[test]
    fn colours_degrade_with_the_terminal() {
        let c = Color::Rgb(255, 117, 127);
        assert_eq!(degrade(c, ColorDepth::TrueColor), c);
        assert!(matches!(degrade(c, ColorDepth::Ansi256), Color::Indexed(i) if i >= 16));
        assert_eq!(
            degrade(Color::Rgb(250, 5, 5), ColorDepth::Ansi16),
            Color::LightRed
        );
        assert_eq!(degrade(c, ColorDepth::None), Color::Reset);
        let (plain, _) = Theme::load("dark", None, ColorDepth::None);
        assert_eq!(plain.ok(), Style::default());
        assert!(plain.selected().add_modifier.contains(Modifier::REVERSED));
    }
}
