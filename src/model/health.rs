//! How healthy something looks, on the one scale every screen shares: the
//! theme maps it to a colour.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Health {
    Ok,
    Progressing,
    Warning,
    Failed,
    Gone,
}
