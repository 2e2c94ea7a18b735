//! The guard: checks that answer a request early (401) or let it through to the endpoints.

pub mod auth;
