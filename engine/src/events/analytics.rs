//! The analytics subscriber: the streaming windows of [`crate::analytics`], fed from the
//! event log.

use parking_lot::RwLock;

use super::Subscriber;
use crate::analytics::{Analytics, AnalyticsConfig};
use crate::model::EventRecord;

/// The subscriber's name: the key of its offset and checkpoint.
pub(crate) const NAME: &str = "analytics";

/// The windows behind a lock: the subscriber thread writes, queries read.
pub(crate) struct AnalyticsModel {
    config: AnalyticsConfig,
    state: RwLock<Analytics>,
}

impl AnalyticsModel {
    /// Empty windows with `config` (already validated).
    pub(crate) fn new(
        config: AnalyticsConfig,
    ) -> Result<AnalyticsModel, crate::analytics::AnalyticsError> {
        let state = RwLock::new(Analytics::new(config.clone())?);
        Ok(AnalyticsModel { config, state })
    }

    /// Runs `read` on the current windows.
    pub(crate) fn read<R>(&self, read: impl FnOnce(&Analytics) -> R) -> R {
        read(&self.state.read())
    }
}

impl Subscriber for AnalyticsModel {
    fn name(&self) -> &'static str {
        NAME
    }

    fn apply(&self, events: &[EventRecord]) {
        // Events are mapped and counted under the lock in one pass, without building
        // records; a batch holds at most `OUTBOX_BATCH_EVENTS_MAX` events, which bounds
        // how long queries wait.
        self.state.write().ingest_events(events);
    }

    fn checkpoint(&self) -> Vec<u8> {
        self.state.read().snapshot_state()
    }

    fn restore(&self, bytes: &[u8]) -> Result<(), String> {
        let restored = Analytics::restore_state(bytes).map_err(|error| error.to_string())?;
        if restored.config() != &self.config {
            // The windows were configured differently when checkpointed: the log is the
            // truth, so they are rebuilt with today's configuration.
            return Err("the analytics configuration changed".into());
        }
        *self.state.write() = restored;
        Ok(())
    }

    fn reset(&self) {
        // `config` was validated when the model was built, so this cannot fail; keep
        // the old state if it somehow does.
        if let Ok(fresh) = Analytics::new(self.config.clone()) {
            *self.state.write() = fresh;
        }
    }
}
