//! lanai: a static file server. The path of a request reads top to bottom: server (accept) → http::connection →
//! http::request → app (guard → route → endpoint: live, proxy or files) → http::response.

pub mod app;
pub mod cli;
pub mod config;
pub mod devices;
pub mod files;
pub mod generated;
pub mod guard;
pub mod http;
pub mod lan;
pub mod live;
pub mod log;
pub mod markup;
pub mod platform;
pub mod proxy;
pub mod rules;
pub mod server;
pub mod shutdown;
pub mod startup;
pub mod tls;
pub mod upload;
