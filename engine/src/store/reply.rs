//! The reply slot a writer sleeps on while its job waits for the batch's commit.
//!
//! Why not a channel: crossbeam's `recv` spins and then yields (`sched_yield`) before it
//! sleeps. With hundreds of writers waiting on two cores, those yields are CPU taken
//! from the committer, which is the one thread every writer waits for. A mutex and a
//! condition variable put the waiter straight to sleep.

use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::StoreError;
use crate::Error;

/// The shared slot.
struct Slot<T> {
    value: Mutex<Option<Result<T, Error>>>,
    filled: Condvar,
}

/// The committer's end: fills the slot once; if dropped unfilled (the job was dropped
/// without running, at shutdown), the waiter learns that the store closed.
pub(crate) struct ReplySender<T> {
    slot: Arc<Slot<T>>,
    sent: bool,
}

/// The writer's end.
pub(crate) struct ReplyReceiver<T> {
    slot: Arc<Slot<T>>,
}

/// A new slot and its two ends.
pub(crate) fn reply<T>() -> (ReplySender<T>, ReplyReceiver<T>) {
    let slot = Arc::new(Slot {
        value: Mutex::new(None),
        filled: Condvar::new(),
    });
    (
        ReplySender {
            slot: Arc::clone(&slot),
            sent: false,
        },
        ReplyReceiver { slot },
    )
}

impl<T> ReplySender<T> {
    pub(crate) fn send(mut self, value: Result<T, Error>) {
        self.put(value);
    }

    fn put(&mut self, value: Result<T, Error>) {
        self.sent = true;
        *self.slot.value.lock() = Some(value);
        self.slot.filled.notify_one();
    }
}

impl<T> Drop for ReplySender<T> {
    fn drop(&mut self) {
        if !self.sent {
            self.put(Err(Error::Store(StoreError::Closed)));
        }
    }
}

impl<T> ReplyReceiver<T> {
    /// Sleeps until the reply arrives.
    pub(crate) fn wait(self) -> Result<T, Error> {
        let mut value = self.slot.value.lock();
        loop {
            if let Some(value) = value.take() {
                return value;
            }
            self.slot.filled.wait(&mut value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivers_across_threads_and_reports_a_dropped_sender() {
        let (sender, receiver) = reply::<u32>();
        std::thread::spawn(move || sender.send(Ok(7)));
        assert_eq!(receiver.wait().expect("value"), 7);
        let (sender, receiver) = reply::<u32>();
        drop(sender);
        assert!(matches!(
            receiver.wait(),
            Err(Error::Store(StoreError::Closed))
        ));
    }
}
