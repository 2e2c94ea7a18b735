//! A request body on an HTTP/2 stream, lent to an endpoint that reads it (see http/incoming.rs): DATA frames as
//! they come, the window opened again for each once the endpoint has it.

use super::relay::next_data;
use crate::http::incoming::{BrokenOff, Incoming, NextPiece};
use h2::RecvStream;
use std::time::Duration;

pub struct Http2Body<'a> {
    pub body: &'a mut RecvStream,
    /// How long the client may send nothing.
    pub stall: Duration,
}

impl Incoming for Http2Body<'_> {
    fn next(&mut self) -> NextPiece<'_> {
        Box::pin(async {
            if self.body.is_end_stream() {
                return Ok(None);
            }
            let data = next_data(self.body, self.stall)
                .await
                .map_err(|_| BrokenOff)?;
            if let Some(data) = &data {
                let _ = self.body.flow_control().release_capacity(data.len());
            }
            Ok(data)
        })
    }
}
