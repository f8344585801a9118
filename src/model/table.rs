//! One shape for every list screen: column names, the cells of a row and how
//! a column sorts. The UI draws any `TableRow` with one generic widget.

use chrono::{DateTime, Utc};

use super::age::age;
use super::quantity;
use super::rows::{DeploymentRow, Health, PodRow};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortKey<'a> {
    Num(i64),
    Text(&'a str),
}

pub trait TableRow {
    /// Column titles; the first is always NAMESPACE, shown only when the
    /// view spans namespaces.
    const COLUMNS: &'static [&'static str];
    /// Widest a column may grow, one per column (0 = no cap).
    const MAX_WIDTHS: &'static [u16];
    /// Columns (indices into COLUMNS) given up first when the terminal is
    /// too narrow, least useful first.
    const DROP_ORDER: &'static [usize];
    fn namespace(&self) -> &str;
    fn name(&self) -> &str;
    fn health(&self) -> Health;
    /// Cells for every column but NAMESPACE.
    fn cells(&self, now: DateTime<Utc>) -> Vec<String>;
    /// Sort key of column `col` (0 = NAMESPACE).
    fn sort_key(&self, col: usize) -> SortKey<'_>;
}

/// Sorts by age, as every AGE column does.
pub fn age_key(t: Option<DateTime<Utc>>) -> SortKey<'static> {
    // Older first when ascending, like sorting by AGE in k9s.
    SortKey::Num(t.map_or(i64::MAX, |t| t.timestamp()))
}

/// Sorts a READY column (`2/3`) by the share ready.
pub fn ratio_key(ready: &str) -> SortKey<'static> {
    let (a, b) = ready.split_once('/').unwrap_or((ready, "1"));
    let (a, b) = (
        a.parse::<i64>().unwrap_or(0),
        b.parse::<i64>().unwrap_or(1).max(1),
    );
    SortKey::Num(a * 1000 / b)
}

impl TableRow for DeploymentRow {
    const COLUMNS: &'static [&'static str] = &[
        "NAMESPACE",
        "NAME",
        "READY",
        "UP-TO-DATE",
        "AVAILABLE",
        "IMAGES",
        "STRATEGY",
        "REVISION",
        "STATUS",
        "AGE",
    ];
    const MAX_WIDTHS: &'static [u16] = &[20, 40, 7, 10, 9, 0, 22, 8, 11, 8];
    const DROP_ORDER: &'static [usize] = &[3, 4, 7, 6, 0];

    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn health(&self) -> Health {
        self.health
    }
    fn cells(&self, now: DateTime<Utc>) -> Vec<String> {
        vec![
            self.name.clone(),
            self.ready.clone(),
            self.up_to_date.to_string(),
            self.available.to_string(),
            self.images.clone(),
            self.strategy.clone(),
            self.revision.map_or_else(|| "-".into(), |r| r.to_string()),
            self.status.clone(),
            age(self.created, now),
        ]
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            0 => SortKey::Text(&self.namespace),
            2 => ratio_key(&self.ready),
            3 => SortKey::Num(self.up_to_date.into()),
            4 => SortKey::Num(self.available.into()),
            5 => SortKey::Text(&self.images),
            6 => SortKey::Text(&self.strategy),
            7 => SortKey::Num(self.revision.unwrap_or(0)),
            8 => SortKey::Text(&self.status),
            9 => age_key(self.created),
            _ => SortKey::Text(&self.name),
        }
    }
}

impl TableRow for PodRow {
    const COLUMNS: &'static [&'static str] = &[
        "NAMESPACE",
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "CPU",
        "MEM",
        "OWNER",
        "NODE",
        "IP",
        "AGE",
    ];
    // STATUS fits CreateContainerConfigError, the longest reason the
    // kubelet commonly reports; columns are only as wide as their content.
    const MAX_WIDTHS: &'static [u16] = &[20, 63, 6, 26, 14, 6, 6, 0, 16, 15, 7];
    const DROP_ORDER: &'static [usize] = &[9, 7, 6, 5, 8, 0];

    fn namespace(&self) -> &str {
        &self.namespace
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn health(&self) -> Health {
        self.health
    }
    fn cells(&self, now: DateTime<Utc>) -> Vec<String> {
        vec![
            self.name.clone(),
            self.ready.clone(),
            self.status.clone(),
            self.restarts_text(now),
            self.cpu.map_or_else(|| "-".into(), quantity::format_cpu),
            self.memory
                .map_or_else(|| "-".into(), quantity::format_memory),
            self.owner.clone(),
            self.node.clone(),
            self.ip.clone(),
            age(self.created, now),
        ]
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            0 => SortKey::Text(&self.namespace),
            2 => ratio_key(&self.ready),
            3 => SortKey::Text(&self.status),
            4 => SortKey::Num(self.restarts.into()),
            5 => SortKey::Num(self.cpu.map_or(-1, |c| (c * 1e6) as i64)),
            6 => SortKey::Num(self.memory.map_or(-1, |m| m as i64)),
            7 => SortKey::Text(&self.owner),
            8 => SortKey::Text(&self.node),
            9 => SortKey::Text(&self.ip),
            10 => age_key(self.created),
            _ => SortKey::Text(&self.name),
        }
    }
}

/// Which columns to show and how wide, for `width` cells: every column as
/// wide as its widest visible cell (up to its cap); when that does not fit,
/// drop columns in `drop_order`, then narrow the widest until it fits.
pub fn fit_columns(
    headers: &[&str],
    rows: &[Vec<String>],
    max_widths: &[u16],
    drop_order: &[usize],
    width: u16,
) -> (Vec<usize>, Vec<u16>) {
    let natural: Vec<u16> = (0..headers.len())
        .map(|c| {
            let widest = rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(|s| unicode_width::UnicodeWidthStr::width(s.as_str()))
                .chain([headers[c].len()])
                .max()
                .unwrap_or(0);
            let cap = max_widths.get(c).copied().unwrap_or(0);
            let w = u16::try_from(widest).unwrap_or(u16::MAX);
            if cap == 0 {
                w
            } else {
                w.min(cap)
            }
        })
        .collect();
    // An uncapped column (a message, a name) shrinks before any other
    // column is given up, down to FLEX_MIN.
    let flex = |c: usize| max_widths.get(c).copied().unwrap_or(0) == 0;
    let least = |c: usize| {
        if flex(c) {
            natural[c].min(FLEX_MIN)
        } else {
            natural[c]
        }
    };
    let mut keep: Vec<usize> = (0..headers.len()).collect();
    let total = |keep: &[usize]| total_of(&keep.iter().map(|c| least(*c)).collect::<Vec<_>>());
    for drop in drop_order {
        if total(&keep) <= u32::from(width) {
            break;
        }
        keep.retain(|c| c != drop);
    }
    let fixed: u32 = keep
        .iter()
        .filter(|c| !flex(**c))
        .map(|c| u32::from(natural[*c]))
        .sum();
    let flex_count = keep.iter().filter(|c| flex(**c)).count().max(1) as u32;
    let room = u32::from(width).saturating_sub(fixed + gaps(keep.len()));
    let share = u16::try_from(room / flex_count).unwrap_or(u16::MAX);
    let mut widths: Vec<u16> = keep
        .iter()
        .map(|c| {
            if flex(*c) {
                natural[*c].min(share.max(FLEX_MIN))
            } else {
                natural[*c]
            }
        })
        .collect();
    while total_of(&widths) > u32::from(width) {
        let Some((i, w)) = widths
            .iter()
            .enumerate()
            .max_by_key(|(_, w)| **w)
            .map(|(i, w)| (i, *w))
        else {
            break;
        };
        if w <= 4 {
            break;
        }
        let over = total_of(&widths) - u32::from(width);
        widths[i] = w
            .saturating_sub(u16::try_from(over).unwrap_or(u16::MAX))
            .max(4);
    }
    (keep, widths)
}

/// Narrowest an uncapped column gets before other columns are dropped.
const FLEX_MIN: u16 = 24;

/// Cells between two columns.
pub const COLUMN_SPACING: u16 = 2;

fn gaps(columns: usize) -> u32 {
    columns.saturating_sub(1) as u32 * u32::from(COLUMN_SPACING)
}

fn total_of(widths: &[u16]) -> u32 {
    widths.iter().map(|w| u32::from(*w)).sum::<u32>() + gaps(widths.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_content_then_drops_then_narrows() {
        let headers = ["NAME", "STATUS", "IP"];
        let rows = vec![vec![
            "api-7d9f8b6c5d-abcde".to_string(),
            "Running".into(),
            "10.0.0.1".into(),
        ]];
        let (keep, widths) = fit_columns(&headers, &rows, &[0, 0, 0], &[2], 80);
        assert_eq!((keep, widths), (vec![0, 1, 2], vec![20, 7, 8]));
        let (keep, widths) = fit_columns(&headers, &rows, &[0, 0, 0], &[2], 30);
        assert_eq!((keep, widths), (vec![0, 1], vec![20, 7]));
        let (keep, widths) = fit_columns(&headers, &rows, &[0, 0, 0], &[2], 20);
        assert_eq!(keep, vec![0, 1]);
        assert_eq!(widths.iter().sum::<u16>() + COLUMN_SPACING, 20);
    }
}
