//! aftercare's library: the pure domain, the ports it needs, the adapters
//! that implement them, and the services that tie them together.
//!
//! Dependency direction: `domain` knows nothing else; `ports` knows the
//! domain; `services` know domain and ports; `adapters` implement ports.

pub mod adapters;
pub mod config;
pub mod domain;
pub mod mail;
pub mod ports;
pub mod services;
