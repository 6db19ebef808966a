//! Ports: the small traits the services need from the outside world,
//! each with its contract written on it. Adapters in [`crate::adapters`]
//! implement them; every store passes the one conformance suite in
//! `tests/integration/store_conformance.rs`.

mod mail;
mod store;

pub use mail::{MailError, Mailer, Message};
pub use store::*;

use chrono::{DateTime, Utc};

/// The time source. Services take `now` as an argument; the clock lives at
/// the edges (Lambda handlers, `aftercare serve`, the simulated clock).
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
