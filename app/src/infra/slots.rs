//! A bounded number of slots for expensive work (decoding audio, hashing a
//! password), with a short, bounded queue in front: work beyond the queue,
//! or waiting longer than `max_wait`, is turned away at once (the caller
//! answers 503 + `Retry-After`) instead of piling up memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

/// A taken slot, given back when dropped.
pub type Slot<'a> = SemaphorePermit<'a>;

#[derive(Clone)]
pub struct Slots {
    inner: Arc<Inner>,
}

struct Inner {
    slots: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
    max_wait: Duration,
}

/// Every slot is taken and the queue is full, or the wait was too long.
#[derive(Debug, thiserror::Error)]
#[error("busy: every slot is taken")]
pub struct Busy;

/// Counts a waiter for as long as it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Slots {
    /// `running` at once, `queue` more waiting at most `max_wait` each.
    pub fn new(running: usize, queue: usize, max_wait: Duration) -> Slots {
        let inner = Inner { slots: Semaphore::new(running.max(1)), waiting: AtomicUsize::new(0), queue, max_wait };
        Slots { inner: Arc::new(inner) }
    }

    /// How many callers wait for a slot now.
    pub fn waiting(&self) -> usize {
        self.inner.waiting.load(Ordering::Relaxed)
    }

    /// How many slots are free now.
    pub fn free(&self) -> usize {
        self.inner.slots.available_permits()
    }

    /// A slot if one is free now, without queueing for it.
    pub fn try_acquire(&self) -> Option<Slot<'_>> {
        self.inner.slots.try_acquire().ok()
    }

    /// A slot, held until the permit is dropped.
    pub async fn acquire(&self) -> Result<Slot<'_>, Busy> {
        if let Ok(permit) = self.inner.slots.try_acquire() {
            return Ok(permit);
        }
        let before = self.inner.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.inner.waiting);
        if before >= self.inner.queue {
            return Err(Busy);
        }
        match tokio::time::timeout(self.inner.max_wait, self.inner.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Busy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_beyond_the_slots_and_the_queue_is_turned_away() {
        let slots = Slots::new(1, 1, Duration::from_millis(200));
        let held = slots.acquire().await.unwrap();
        // One may wait…
        let waiter = {
            let slots = slots.clone();
            tokio::spawn(async move { slots.acquire().await.map(|_| ()).is_ok() })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // …a second is refused at once.
        assert!(slots.acquire().await.is_err());
        drop(held);
        assert!(waiter.await.unwrap(), "the waiter gets the freed slot");
        // A waiter gives up after max_wait.
        let _held = slots.acquire().await.unwrap();
        let started = std::time::Instant::now();
        assert!(slots.acquire().await.is_err());
        assert!(started.elapsed() >= Duration::from_millis(190));
    }
}
