//! The order every request takes once its head is read, written once: guard (may answer at once) → route
//! (live reload's reserved paths, else files) → the endpoint's answer. A new stage or endpoint is one line here.

use crate::files::{self, Site};
use crate::guard::Guard;
use crate::http::request::Request;
use crate::http::response::Response;
use crate::live::Live;

pub struct App {
    pub guard: Guard,
    pub live: Option<Live>,
    pub site: Site,
}

impl App {
    pub fn respond(&self, request: &Request<'_>) -> Response {
        if let Some(refusal) = self.guard.check(request) {
            return refusal;
        }
        if let Some(answer) = self.live.as_ref().and_then(|live| live.respond(request)) {
            return answer;
        }
        files::respond(&self.site, request)
    }
}
