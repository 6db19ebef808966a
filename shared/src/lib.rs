//! aftercare's library.
//!
//! Layers, each using only the ones below it:
//!
//! - [`services`]: the facade [`services::Aftercare`] and its use cases;
//!   every entry point calls these.
//! - [`domain`]: pure rules: events, histories, derivation, calls, surveys,
//!   KPIs, tokens; takes a [`domain::policy::Policy`] and a time, does no I/O.
//! - [`ports`]: the small traits the services need (store capabilities,
//!   mailer, clock).
//! - [`adapters`]: the ports implemented (SQLite, DynamoDB, outbox
//!   directory, SES).
//! - edges: [`config`] (TOML / environment → settings), [`inbound`]
//!   (EventBridge envelopes → events), [`mail`] (MIME and templates),
//!   [`i18n`] (the texts of mail and pages, as data).

pub mod adapters;
pub mod config;
pub mod domain;
pub mod i18n;
pub mod inbound;
pub mod mail;
pub mod ports;
pub mod services;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
