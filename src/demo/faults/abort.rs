//! Streamed bodies (watches, followed logs) that a fault can cut mid-stream.

use std::convert::Infallible;
use std::io;

use axum::body::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};

use super::Faults;
use crate::demo::api::stream_faults::StreamFaults;

impl Faults {
    /// Passes `body` through until [`Faults::close_streams`]; then ends it
    /// with an error, so hyper drops the connection without the final chunk
    /// and the client sees a broken stream rather than a clean end.
    pub fn abortable<S>(&self, body: S) -> impl Stream<Item = Result<Bytes, io::Error>> + Send
    where
        S: Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
    {
        let kill = self.kill.subscribe();
        futures::stream::unfold(
            (Box::pin(body), kill, false),
            |(mut body, mut kill, done)| async move {
                if done {
                    return None;
                }
                tokio::select! {
                    item = body.next() => {
                        let item = item?;
                        Some((item.map_err(|never| match never {}), (body, kill, false)))
                    }
                    Ok(()) = kill.changed() => {
                        let err = io::Error::new(io::ErrorKind::ConnectionAborted, "demo fault: stream cut");
                        Some((Err(err), (body, kill, true)))
                    }
                }
            },
        )
    }
}

impl StreamFaults for Faults {
    fn abortable(
        &self,
        body: BoxStream<'static, Result<Bytes, Infallible>>,
    ) -> BoxStream<'static, Result<Bytes, io::Error>> {
        Faults::abortable(self, body).boxed()
    }

    fn take_gone(&self) -> bool {
        Faults::take_gone(self)
    }

    fn bookmarks_off(&self) -> bool {
        Faults::bookmarks_off(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cut_ends_the_stream_with_an_error() {
        let faults = Faults::default();
        let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
        let body = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
        });
        let mut s = Box::pin(faults.abortable(body));
        tx.send(Bytes::from_static(b"one\n")).await.unwrap();
        assert_eq!(
            s.next().await.unwrap().unwrap(),
            Bytes::from_static(b"one\n")
        );
        faults.close_streams();
        assert!(s.next().await.unwrap().is_err());
        assert!(s.next().await.is_none());
        assert_eq!(faults.snapshot().streams_killed, 1);
    }

    #[tokio::test]
    async fn a_stream_that_ends_by_itself_ends_cleanly() {
        let faults = Faults::default();
        let body = futures::stream::iter([Ok::<_, Infallible>(Bytes::from_static(b"x"))]);
        let items: Vec<_> = faults.abortable(body).collect().await;
        assert_eq!(items.len(), 1);
        assert!(items[0].is_ok());
    }
}
