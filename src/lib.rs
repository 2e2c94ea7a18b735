//! lanai: a static file server. The path of a request reads top to bottom: server (accept) → http::connection →
//! http::request → files (resolve path, respond) → http::response.

pub mod cli;
pub mod files;
pub mod http;
pub mod log;
pub mod platform;
pub mod server;
pub mod shutdown;
