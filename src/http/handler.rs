//! What answers a request, whatever connection carried it: the app, or a fixed answer (the plain-HTTP side of
//! the HTTPS port, tests). Answering may wait (a password hash made off the executor) without holding a thread.

use super::request::Request;
use super::response::Response;
use std::future::{self, Future};

pub trait Handler: Send + Sync + 'static {
    fn respond<'a>(
        &'a self,
        request: &'a Request<'a>,
    ) -> impl Future<Output = Response> + Send + 'a;
}

/// A function that answers at once.
impl<F> Handler for F
where
    F: Fn(&Request<'_>) -> Response + Send + Sync + 'static,
{
    fn respond<'a>(
        &'a self,
        request: &'a Request<'a>,
    ) -> impl Future<Output = Response> + Send + 'a {
        future::ready(self(request))
    }
}
