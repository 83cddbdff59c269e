//! The hold-expiry sweeper: a background thread (`emporium-holds`) that returns lapsed
//! holds to stock every [`HOLD_SWEEP_INTERVAL_MS_DEFAULT`] or so, in bounded steps.
//!
//! Holds pinned by a checkout in flight or an adjustment never lapse (their expiry is
//! the far future), so the sweeper never takes stock a commit is about to sell.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, Sender};

use super::Inventory;
use crate::model::Timestamp;

/// How often the sweeper runs by default.
pub const HOLD_SWEEP_INTERVAL_MS_DEFAULT: u64 = 250;
/// Most holds returned per sweep step (a step holds one stripe lock at a time).
pub const HOLD_SWEEP_STEP_MAX: usize = 10_000;
/// Most steps per run, so one run stays bounded however many holds are due.
pub const HOLD_SWEEP_STEPS_MAX: usize = 64;

/// Returns holds due at `now_ms`, in bounded steps; returns how many lapsed.
/// `on_lapsed` hears of each one (for its domain event).
pub(crate) fn sweep_all(
    inventory: &Inventory,
    now_ms: u64,
    on_lapsed: &(dyn Fn(&super::ExpiredHold) + Send + Sync),
) -> usize {
    let mut total = 0;
    for _ in 0..HOLD_SWEEP_STEPS_MAX {
        let expired = inventory.sweep(now_ms, HOLD_SWEEP_STEP_MAX);
        expired.iter().for_each(on_lapsed);
        let lapsed = expired.len();
        total += lapsed;
        if lapsed < HOLD_SWEEP_STEP_MAX {
            break;
        }
    }
    total
}

/// The running sweeper; stops and joins its thread when dropped.
#[derive(Debug)]
pub(crate) struct HoldSweeper {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Holds returned to stock by the thread so far.
    pub(crate) lapsed_total: Arc<AtomicU64>,
}

impl HoldSweeper {
    /// Starts the thread; with `interval_ms` 0 there is no thread (tests sweep by hand).
    pub(crate) fn start(
        inventory: Arc<Inventory>,
        interval_ms: u64,
        on_lapsed: Arc<dyn Fn(&super::ExpiredHold) + Send + Sync>,
    ) -> std::io::Result<HoldSweeper> {
        let lapsed_total = Arc::new(AtomicU64::new(0));
        if interval_ms == 0 {
            return Ok(HoldSweeper {
                stop: None,
                thread: None,
                lapsed_total,
            });
        }
        let (stop, stopped) = crossbeam_channel::bounded::<()>(1);
        let counter = Arc::clone(&lapsed_total);
        let interval = Duration::from_millis(interval_ms);
        let thread = std::thread::Builder::new()
            .name("emporium-holds".into())
            .spawn(move || {
                // Any message, or the sender dropped with the engine, ends the loop.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    let lapsed = sweep_all(&inventory, Timestamp::now().as_millis(), &*on_lapsed);
                    if lapsed > 0 {
                        counter.fetch_add(lapsed as u64, Ordering::Relaxed);
                        tracing::debug!(lapsed, "holds expired");
                    }
                }
            })?;
        Ok(HoldSweeper {
            stop: Some(stop),
            thread: Some(thread),
            lapsed_total,
        })
    }
}

impl Drop for HoldSweeper {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the hold sweeper panicked");
            }
        }
    }
}
