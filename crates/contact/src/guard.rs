//! Guessing the check of a tracking number is not free: a phone number is only nine digits.

use hashlink::LruCache;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use yagona_core::TrackingNumber;

/// Wrong checks a tracking number may take in [`GUESS_WINDOW`] before it is locked for the rest
/// of the window.
const MAX_WRONG_CHECKS: u32 = 10;
const GUESS_WINDOW: Duration = Duration::from_secs(3600);

/// Tracking numbers remembered at most: the oldest is forgotten first, so made-up numbers by
/// the million cost a bounded table, and flushing out one number's count takes this many tries.
const WRONG_CHECKS_KEPT: usize = 100_000;

/// Wrong checks per tracking number on this node: (count, since). A node makes one and shares
/// it between requests; see [`crate::AppealStore::track`].
pub struct TrackingGuard {
    wrong: Mutex<LruCache<TrackingNumber, (u32, Instant)>>,
}

impl Default for TrackingGuard {
    fn default() -> Self {
        TrackingGuard::new()
    }
}

impl TrackingGuard {
    pub fn new() -> TrackingGuard {
        TrackingGuard {
            wrong: Mutex::new(LruCache::new(WRONG_CHECKS_KEPT)),
        }
    }

    fn wrong(&self) -> MutexGuard<'_, LruCache<TrackingNumber, (u32, Instant)>> {
        // A panic elsewhere while holding it leaves counts that are still right.
        self.wrong.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn locked(&self, tracking: &TrackingNumber) -> bool {
        self.wrong()
            .peek(tracking)
            .is_some_and(|(n, since)| *n >= MAX_WRONG_CHECKS && since.elapsed() < GUESS_WINDOW)
    }

    pub(crate) fn note_wrong_check(&self, tracking: &TrackingNumber) {
        let mut map = self.wrong();
        match map.get_mut(tracking) {
            Some(e) if e.1.elapsed() < GUESS_WINDOW => e.0 += 1,
            Some(e) => *e = (1, Instant::now()),
            None => {
                map.insert(tracking.clone(), (1, Instant::now()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(s: &str) -> TrackingNumber {
        TrackingNumber::parse(s).expect("a well-formed tracking number")
    }

    #[test]
    fn a_number_is_locked_after_ten_wrong_checks_and_others_are_not() {
        let guard = TrackingGuard::new();
        let guessed = number("MR-7K4M-X9QA");
        let other = number("MR-3C4D-E6F7");
        for _ in 0..MAX_WRONG_CHECKS - 1 {
            guard.note_wrong_check(&guessed);
        }
        assert!(!guard.locked(&guessed), "nine wrong checks do not lock");
        guard.note_wrong_check(&guessed);
        assert!(guard.locked(&guessed), "the tenth does");
        assert!(!guard.locked(&other));
    }

    #[test]
    fn guards_do_not_share_counts() {
        let (a, b) = (TrackingGuard::new(), TrackingGuard::default());
        let n = number("MR-7K4M-X9QA");
        for _ in 0..MAX_WRONG_CHECKS {
            a.note_wrong_check(&n);
        }
        assert!(a.locked(&n));
        assert!(!b.locked(&n));
    }
}
