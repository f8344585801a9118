//! What may go wrong with a stream: the hooks the server's watches and
//! followed logs call. The fault injector (`demo::faults`) answers them;
//! the server never needs to know it exists.

use std::convert::Infallible;
use std::io;

use axum::body::Bytes;
use futures::stream::BoxStream;

pub trait StreamFaults: Send + Sync {
    /// `body`, which a fault may cut mid-stream with an error, so the client
    /// sees a broken stream rather than a clean end.
    fn abortable(
        &self,
        body: BoxStream<'static, Result<Bytes, Infallible>>,
    ) -> BoxStream<'static, Result<Bytes, io::Error>>;

    /// The watch about to start should fail with 410 Gone (consumes one).
    fn take_gone(&self) -> bool;

    /// Watches get no BOOKMARK events.
    fn bookmarks_off(&self) -> bool;
}
