//! Which process sends a file's mail.
//!
//! Claims on outbox messages live in memory, so that a killed run leaves
//! none behind to wait out. Two processes on one file (`aftercare serve`
//! with an `aftercare run` or an operator's command beside it) would each
//! hold claims of their own, and could both send the message one of them
//! just committed. So one process at a time holds the file's sender lock:
//! an exclusive lock on `FILE-sender` that the system drops when the
//! process ends, however it ends. Only the holder claims messages. The
//! others commit as before and leave their mail in the outbox, where the
//! holder's next delivery pass sends it. A process without the lock asks
//! again at each claim, so it takes over as soon as the holder is gone.
//!
//! Stores of one process on one file share the lock. Their claims are
//! each store's own, as before: a process runs one store per file (the
//! CLI's composition root builds one).
//!
//! A file system that cannot lock (`try_lock` fails other than by
//! another holder) fails the claims with the lock file named, so mail
//! waits instead of going out twice.

use crate::ports::StoreError;
use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};

/// The sender locks this process holds, by lock file.
static HELD: LazyLock<Mutex<HashMap<PathBuf, Weak<File>>>> = LazyLock::new(Default::default);

pub(super) struct SenderLock {
    /// `None`: a store in memory, one process's by nature.
    path: Option<PathBuf>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The lock file, open, while another process holds the lock.
    waiting: Option<File>,
    /// The lock, once this process holds it (until its stores are gone).
    held: Option<Arc<File>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing here is left half-changed by a panic.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A lock file that cannot be opened or locked, named: claims fail with
/// it (and delivery waits) rather than risk two senders.
fn lock_error(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::unavailable(std::io::Error::new(
        e.kind(),
        format!("the sender lock {}: {e}", path.display()),
    ))
}

impl SenderLock {
    pub(super) fn in_memory() -> SenderLock {
        SenderLock {
            path: None,
            state: Mutex::default(),
        }
    }

    /// The lock beside the store file `db` (which exists).
    pub(super) fn beside(db: &Path) -> Result<SenderLock, StoreError> {
        let db = std::fs::canonicalize(db).map_err(StoreError::unavailable)?;
        let mut name = db.into_os_string();
        name.push("-sender");
        Ok(SenderLock {
            path: Some(PathBuf::from(name)),
            state: Mutex::default(),
        })
    }

    /// Whether this process sends the file's mail, taking the lock when
    /// no other process holds it.
    pub(super) fn held(&self) -> Result<bool, StoreError> {
        let Some(path) = &self.path else {
            return Ok(true);
        };
        let mut state = locked(&self.state);
        if state.held.is_some() {
            return Ok(true);
        }
        let mut held = locked(&HELD);
        if let Some(file) = held.get(path).and_then(Weak::upgrade) {
            state.held = Some(file);
            return Ok(true);
        }
        let file = match state.waiting.take() {
            Some(f) => f,
            None => OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(|e| lock_error(path, e))?,
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                state.waiting = Some(file);
                return Ok(false);
            }
            Err(TryLockError::Error(e)) => return Err(lock_error(path, e)),
        }
        // Who holds it, for the others' note; the lock is what counts.
        let _ = file.set_len(0);
        let _ = (&file).write_all(format!("pid {}\n", std::process::id()).as_bytes());
        let file = Arc::new(file);
        held.insert(path.clone(), Arc::downgrade(&file));
        state.held = Some(file);
        Ok(true)
    }

    /// Who holds the lock, as its holder wrote it ("pid 1234"), when
    /// another process does.
    pub(super) fn holder(&self) -> Option<String> {
        let path = self.path.as_ref()?;
        if self.held().ok()? {
            return None;
        }
        let said = std::fs::read_to_string(path).ok()?;
        let said = said.trim();
        Some(if said.is_empty() {
            "a process that has not said which".to_string()
        } else {
            said.to_string()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_file_that_cannot_be_made_fails_naming_it() {
        let lock = SenderLock {
            path: Some(PathBuf::from("/nonexistent-dir/aftercare.sqlite-sender")),
            state: Mutex::default(),
        };
        let err = lock.held().expect_err("no directory to put it in");
        assert!(
            err.to_string()
                .contains("the sender lock /nonexistent-dir/aftercare.sqlite-sender"),
            "{err}"
        );
    }

    #[test]
    fn stores_of_one_process_on_one_file_share_the_lock_until_both_are_gone() {
        let dir = tempfile::tempdir().expect("a directory");
        let db = dir.path().join("aftercare.sqlite");
        std::fs::write(&db, b"").expect("the file");
        let first = SenderLock::beside(&db).expect("a lock");
        let second = SenderLock::beside(&db).expect("a lock");
        assert!(first.held().expect("asking"));
        assert!(second.held().expect("asking"), "the process's other store");
        assert_eq!(second.holder(), None);
        drop((first, second));
        // Released: another handle (as another process would) takes it.
        let file = OpenOptions::new()
            .write(true)
            .open(dir.path().join("aftercare.sqlite-sender"))
            .expect("the lock file");
        file.try_lock()
            .expect("the lock is free once both are gone");
    }
}
