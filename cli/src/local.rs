//! The local data directory: the SQLite store, the outbox, the link
//! secret, and the service built over them (the CLI's composition root).

use aftercare_shared::adapters::outbox::OutboxMailer;
use aftercare_shared::adapters::sqlite::SqliteStore;
use aftercare_shared::config::Settings;
use aftercare_shared::domain::token::TokenKey;
use aftercare_shared::ports::{Mailer, Store};
use aftercare_shared::services::Aftercare;
use anyhow::{Context, Result};
use rand::RngCore;
use std::path::Path;
use std::sync::Arc;

pub fn settings(path: Option<&Path>) -> Result<Settings> {
    Settings::load(path).context("reading settings")
}

/// The settings a data directory was last run with (`run`, `demo`), kept
/// as `DIR/settings.toml` so that later commands read its days the same
/// way.
const REMEMBERED: &str = "settings.toml";

/// Keeps the settings `run` or `demo` uses in the directory: the TOML they
/// came from (empty: the defaults).
pub fn remember_settings(dir: &Path, toml_text: &str) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    let path = dir.join(REMEMBERED);
    let text = format!(
        "# The settings aftercare last ran this directory with (written by run/demo).\n{toml_text}"
    );
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// The TOML text of `--config` (empty without one).
pub fn config_text(path: Option<&Path>) -> Result<String> {
    match path {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display())),
        None => Ok(String::new()),
    }
}

/// What `dir` was last run with, if it was.
fn remembered(dir: &Path) -> Result<Option<Settings>> {
    let path = dir.join(REMEMBERED);
    if !path.exists() {
        return Ok(None);
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Ok(Some(
        Settings::from_toml(&text).with_context(|| format!("reading {}", path.display()))?,
    ))
}

/// The settings `run` uses on `dir`, remembered there: `--config` when
/// given, else what the directory was run with, else the defaults. A
/// report time zone (or `churn_days`) other than the one the directory's
/// counters were kept with is refused: its days would mix two definitions
/// of a day (or of an active customer).
pub fn settings_for_run(dir: &Path, config: Option<&Path>) -> Result<Settings> {
    let before = remembered(dir)?;
    let chosen = match (config, &before) {
        (None, Some(r)) => return Ok(r.clone()),
        (c, _) => settings(c)?,
    };
    if let Some(r) = before {
        let (was, now) = (r.policy.report_time_zone, chosen.policy.report_time_zone);
        anyhow::ensure!(
            was == now,
            "{} was run with report time zone {}; the settings say {}: its counters are {} days, so run these events into a new --data directory (or give the settings the directory's zone)",
            dir.display(),
            was.name(),
            now.name(),
            was.name()
        );
        let (was, now) = (r.policy.churn_days, chosen.policy.churn_days);
        anyhow::ensure!(
            was == now,
            "{} was run with churn_days {was}; the settings say {now}: its active customers are counted with {was}, so run these events into a new --data directory (or give the settings the directory's churn_days)",
            dir.display(),
        );
    }
    remember_settings(dir, &config_text(config)?)?;
    Ok(chosen)
}

/// The settings for a command on an existing directory: `--config` when
/// given (with a note on stderr when its report time zone differs from
/// the directory's), else what the directory was run with, else defaults.
pub fn settings_for(dir: &Path, config: Option<&Path>) -> Result<Settings> {
    match (config, remembered(dir)?) {
        (Some(c), remembered) => {
            let chosen = settings(Some(c))?;
            if let Some(r) = remembered {
                let (was, now) = (r.policy.report_time_zone, chosen.policy.report_time_zone);
                if was != now {
                    // The counters were kept by the run's days: say what
                    // the labels will not.
                    eprintln!(
                        "note: {} was run with report time zone {}, so its days are {} days; {} says {}, which labels them but cannot move them (leave out --config to use the data's own zone)",
                        dir.display(),
                        was.name(),
                        was.name(),
                        c.display(),
                        now.name(),
                    );
                }
            }
            Ok(chosen)
        }
        (None, Some(r)) => Ok(r),
        (None, None) => settings(None),
    }
}

/// The service over the data directory `dir`, sending mail to its
/// `outbox/` (or through `wrap`'s mailer around it, for the demo).
pub fn open(
    dir: &Path,
    settings: &Settings,
    wrap: impl FnOnce(Arc<dyn Mailer>) -> Arc<dyn Mailer>,
) -> Result<Aftercare> {
    open_store(dir, settings, wrap, true)
}

/// [`open`]; with `say_who_sends`, a note on stderr when another process
/// sends the directory's mail (for commands that queue mail).
fn open_store(
    dir: &Path,
    settings: &Settings,
    wrap: impl FnOnce(Arc<dyn Mailer>) -> Arc<dyn Mailer>,
    say_who_sends: bool,
) -> Result<Aftercare> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    let store = SqliteStore::open(&dir.join("aftercare.sqlite"))
        .with_context(|| format!("opening the store in {}", dir.display()))?;
    if let Some(other) = say_who_sends
        .then(|| store.mail_sent_by_another())
        .flatten()
    {
        // Not an error: this process commits as ever, and the other sends
        // its mail (one sender per directory: see the store's `sender`).
        eprintln!(
            "note: another aftercare process ({other}) is sending {}'s mail: this one leaves the mail it queues to that process (`aftercare serve` sends it within seconds) until it stops, and the next `aftercare run` or `serve` sends what is left",
            dir.display()
        );
    }
    let mailer = outbox(dir)?;
    Ok(Aftercare::new(
        Arc::new(store),
        wrap(Arc::new(mailer)),
        settings.clone(),
        secret(dir)?,
    ))
}

/// The service of a rehearsal on a deployment's (staging) table: the store
/// is the table; the settings, link key and outbox (`DIR/outbox/`: never
/// SES) stay in the data directory.
pub fn open_with_store(
    dir: &Path,
    store: Arc<dyn Store>,
    settings: &Settings,
) -> Result<Aftercare> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating data directory {}", dir.display()))?;
    Ok(Aftercare::new(
        store,
        Arc::new(outbox(dir)?),
        settings.clone(),
        secret(dir)?,
    ))
}

/// A data directory's mailer: `DIR/outbox/` one file per message, and
/// `DIR/mail.log` a line per send (the message id), which shows a message
/// sent twice where the outbox's files cannot.
fn outbox(dir: &Path) -> Result<OutboxMailer> {
    OutboxMailer::new(dir.join("outbox"))
        .and_then(|m| m.with_log(dir.join("mail.log")))
        .with_context(|| format!("creating {}/outbox", dir.display()))
}

/// The service over an existing data directory (refuses one without data):
/// reports, lists, exports.
pub fn open_existing(dir: &Path, settings: &Settings) -> Result<Aftercare> {
    anyhow::ensure!(
        dir.join("aftercare.sqlite").exists(),
        "{} holds no aftercare data: run `aftercare run --data {0} --events FILE` first",
        dir.display()
    );
    // Reading commands say nothing of the sender (they queue no mail).
    open_store(dir, settings, |m| m, false)
}

/// The HMAC key for links: `AFTERCARE_SECRET`, else a random key kept in
/// `DIR/secret` (created on first use, readable only by its owner).
fn secret(dir: &Path) -> Result<TokenKey> {
    if let Ok(s) = std::env::var("AFTERCARE_SECRET") {
        return TokenKey::new(s.as_bytes()).context("AFTERCARE_SECRET must be at least 16 bytes");
    }
    let path = dir.join("secret");
    if !path.exists() {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(&path, hex).with_context(|| format!("writing {}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    TokenKey::new(text.trim().as_bytes())
        .with_context(|| format!("{} holds a key shorter than 16 bytes", path.display()))
}
