//! A service over an in-memory SQLite store and an outbox directory: what
//! the handlers' unit tests run against (the same use cases as on AWS).

use aftercare_shared::adapters::outbox::OutboxMailer;
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::services::Aftercare;
use std::sync::Arc;

pub fn local_service(outbox: &std::path::Path, settings: Settings) -> Aftercare {
    let store = SqliteStore::in_memory().unwrap_or_else(|e| panic!("sqlite: {e}"));
    let mailer = OutboxMailer::new(outbox).unwrap_or_else(|e| panic!("outbox: {e}"));
    let key = TokenKey::new(b"handler-test-key-0123456789")
        .unwrap_or_else(|| unreachable!("a long enough key"));
    Aftercare::new(Arc::new(store), Arc::new(mailer), settings, key)
}

/// The names of the files in the outbox.
pub fn outbox_files(outbox: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(outbox)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
