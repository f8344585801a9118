//! Drawing. `frame::build` turns state into a plain description of the
//! screen; the run loop compares it with the last one and only then calls
//! `draw`, so an idle cockpit writes nothing to the terminal.

pub mod doc;
pub mod docs;
pub mod draw;
pub mod frame;
pub mod header;
pub mod overlay;
pub mod panels;
pub mod svg;
pub mod tui;
pub mod widgets;

pub use draw::draw;
pub use frame::FrameModel;
