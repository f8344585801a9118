//! One shape for every list screen: column names, the cells of a row and how
//! a column sorts. The UI draws any `TableRow` with one generic widget.

use chrono::{DateTime, Utc};

use super::age::age;
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
    /// Fraction-free width hints, one per column (0 = take what is left).
    const WIDTHS: &'static [u16];
    fn namespace(&self) -> &str;
    fn name(&self) -> &str;
    fn health(&self) -> Health;
    /// Cells for every column but NAMESPACE.
    fn cells(&self, now: DateTime<Utc>) -> Vec<String>;
    /// Sort key of column `col` (0 = NAMESPACE).
    fn sort_key(&self, col: usize) -> SortKey<'_>;
}

fn age_key(t: Option<DateTime<Utc>>) -> SortKey<'static> {
    // Older first when ascending, like sorting by AGE in k9s.
    SortKey::Num(t.map_or(i64::MAX, |t| t.timestamp()))
}

fn ratio_key(ready: &str) -> SortKey<'static> {
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
        "AGE",
    ];
    const WIDTHS: &'static [u16] = &[14, 28, 7, 10, 9, 0, 8];

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
            6 => age_key(self.created),
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
        "AGE",
        "NODE",
    ];
    const WIDTHS: &'static [u16] = &[14, 0, 7, 18, 14, 8, 16];

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
            age(self.created, now),
            self.node.clone(),
        ]
    }
    fn sort_key(&self, col: usize) -> SortKey<'_> {
        match col {
            0 => SortKey::Text(&self.namespace),
            2 => ratio_key(&self.ready),
            3 => SortKey::Text(&self.status),
            4 => SortKey::Num(self.restarts.into()),
            5 => age_key(self.created),
            6 => SortKey::Text(&self.node),
            _ => SortKey::Text(&self.name),
        }
    }
}
