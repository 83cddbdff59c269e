//! Sinks: where a rendered message goes. The file sink (one JSON object per line) is the
//! default; the in-memory sink serves tests and embedding; the webhook sink is in
//! [`super::webhook`].

use std::collections::VecDeque;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use parking_lot::{Condvar, Mutex};
use serde::{Deserialize, Serialize};

use super::{Channel, Priority, Topic};
use crate::model::{NotificationId, Timestamp, UserId};

/// Most messages a [`MemorySink`] keeps (the oldest go first).
pub const MEMORY_SINK_MESSAGES_MAX: usize = 10_000;

/// A rendered message on its way out: the JSON of a file line and of a webhook body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// Stable across restarts and rebuilds: receivers dedupe on it.
    pub id: NotificationId,
    /// The recipient.
    pub user_id: UserId,
    /// The channel.
    pub channel: Channel,
    /// What it is about.
    pub topic: Topic,
    /// Transactional or marketing.
    pub priority: Priority,
    /// The address on the channel where Emporium knows it: the account's email for
    /// email; `None` for SMS and push, whose gateway maps `user_id` to a number or a
    /// device.
    pub to: Option<String>,
    /// The rendered subject (empty for channels without one).
    pub subject: String,
    /// The rendered body.
    pub body: String,
    /// The sequence number of the event it came from.
    pub event_seq: u64,
    /// When that event was committed.
    pub created_at: Timestamp,
}

/// What became of one send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// The sink took the message after `attempts` tries.
    Sent {
        /// Tries this time (at least 1).
        attempts: u32,
    },
    /// The sink refused it for good, or every try failed.
    Failed {
        /// Tries this time.
        attempts: u32,
        /// The last error, for the record.
        error: String,
    },
    /// Not now (a circuit breaker is open, or the engine is stopping): the message
    /// stays queued and is tried again later.
    Deferred {
        /// Tries this time (0 when nothing was tried).
        attempts: u32,
        /// The last error, if a try failed.
        error: Option<String>,
        /// When to try again, at the soonest.
        retry_after_ms: u64,
    },
}

/// A destination for messages. One thread (the delivery thread) calls it, one message
/// at a time.
pub trait Sink: Send + Sync + fmt::Debug + 'static {
    /// A short name for logs and stats (`file`, `memory`, `webhook`).
    fn name(&self) -> &'static str;

    /// Sends `message`; `attempts_before` tries were made for it already (by earlier
    /// rounds that were deferred), which a sink with a retry budget counts against it.
    fn send(&self, message: &Outgoing, attempts_before: u32) -> SendOutcome;

    /// Makes every message sent so far durable at the destination; runs before their
    /// outcomes are recorded as sent. An error means they are sent again.
    fn flush(&self) -> Result<(), String> {
        Ok(())
    }

    /// The circuit breaker's state, for sinks that have one.
    fn breaker_state(&self) -> Option<crate::BreakerState> {
        None
    }

    /// The engine is stopping: give up waits (a send in a backoff returns `Deferred`).
    fn shutdown(&self) {}
}

/// Appends one JSON object per line to a file, and `fsync`s it before outcomes are
/// recorded.
#[derive(Debug)]
pub struct FileSink {
    path: PathBuf,
    file: Mutex<File>,
}

impl FileSink {
    /// Opens (creating) `path` for appending.
    pub fn open(path: &Path) -> std::io::Result<FileSink> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(FileSink {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Sink for FileSink {
    fn name(&self) -> &'static str {
        "file"
    }

    fn send(&self, message: &Outgoing, _attempts_before: u32) -> SendOutcome {
        let mut line = match serde_json::to_vec(message) {
            Ok(line) => line,
            Err(error) => {
                return SendOutcome::Failed {
                    attempts: 1,
                    error: error.to_string(),
                };
            }
        };
        line.push(b'\n');
        // One `write_all` of the whole line to a file opened for appending: lines of
        // concurrent writers (there are none today) would not interleave.
        match self.file.lock().write_all(&line) {
            Ok(()) => SendOutcome::Sent { attempts: 1 },
            Err(error) => SendOutcome::Deferred {
                attempts: 1,
                error: Some(error.to_string()),
                retry_after_ms: 1_000,
            },
        }
    }

    fn flush(&self) -> Result<(), String> {
        self.file
            .lock()
            .sync_data()
            .map_err(|error| error.to_string())
    }
}

/// Keeps the last [`MEMORY_SINK_MESSAGES_MAX`] messages in memory, for tests and for
/// programs that read them themselves. It can be held shut, so a test can queue
/// messages and then watch them go out in order.
#[derive(Debug, Default)]
pub struct MemorySink {
    state: Mutex<MemoryState>,
    opened: Condvar,
}

#[derive(Debug, Default)]
struct MemoryState {
    messages: VecDeque<Outgoing>,
    held: bool,
    /// Bumped by `shutdown`: sends waiting since before it give up, and the sink stays
    /// usable by an engine opened later.
    shutdowns: u64,
}

impl MemorySink {
    /// An empty, open sink.
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// Every message kept, oldest first.
    pub fn messages(&self) -> Vec<Outgoing> {
        self.state.lock().messages.iter().cloned().collect()
    }

    /// While held, a send waits until [`MemorySink::release`].
    pub fn hold(&self) {
        self.state.lock().held = true;
    }

    /// Lets waiting and later sends through.
    pub fn release(&self) {
        self.state.lock().held = false;
        self.opened.notify_all();
    }
}

impl Sink for MemorySink {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn send(&self, message: &Outgoing, _attempts_before: u32) -> SendOutcome {
        let mut state = self.state.lock();
        let generation = state.shutdowns;
        while state.held && state.shutdowns == generation {
            self.opened.wait(&mut state);
        }
        if state.shutdowns != generation {
            return SendOutcome::Deferred {
                attempts: 0,
                error: None,
                retry_after_ms: 0,
            };
        }
        if state.messages.len() >= MEMORY_SINK_MESSAGES_MAX {
            state.messages.pop_front();
        }
        state.messages.push_back(message.clone());
        SendOutcome::Sent { attempts: 1 }
    }

    fn shutdown(&self) {
        self.state.lock().shutdowns += 1;
        self.opened.notify_all();
    }
}
