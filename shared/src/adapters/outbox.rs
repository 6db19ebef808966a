//! The local mailer: one real MIME `.eml` file per message in a directory,
//! named by the message id, so delivering a message twice writes one file.

use crate::domain::keys::MessageId;
use crate::ports::{MailError, Mailer, Message};
use async_trait::async_trait;
use std::path::PathBuf;

pub struct OutboxMailer {
    dir: PathBuf,
    /// Where every send is logged, one message id a line (the outbox's
    /// files cannot tell a message sent twice from one sent once).
    log: Option<std::sync::Mutex<std::fs::File>>,
}

impl OutboxMailer {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<OutboxMailer> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(OutboxMailer { dir, log: None })
    }

    /// The same, appending each send's message id to the file `log`.
    pub fn with_log(mut self, log: impl AsRef<std::path::Path>) -> std::io::Result<OutboxMailer> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)?;
        self.log = Some(std::sync::Mutex::new(file));
        Ok(self)
    }

    /// The file a message is (or will be) written to.
    pub fn path_of(&self, message_id: &MessageId) -> PathBuf {
        let safe: String = message_id
            .to_string()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.eml"))
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, m: &Message) -> Result<(), MailError> {
        let path = self.path_of(&m.id);
        let tmp = path.with_extension("eml.tmp");
        // Write then rename: a reader never sees half a message.
        std::fs::write(&tmp, m.raw.as_bytes()).map_err(|e| MailError::Unavailable(Box::new(e)))?;
        std::fs::rename(&tmp, &path).map_err(|e| MailError::Unavailable(Box::new(e)))?;
        if let Some(log) = &self.log {
            use std::io::Write;
            let mut file = log.lock().unwrap_or_else(|p| p.into_inner());
            writeln!(file, "{}", m.id).map_err(|e| MailError::Unavailable(Box::new(e)))?;
        }
        Ok(())
    }
}
