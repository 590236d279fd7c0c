//! Group commit: many small write transactions share one database commit.
//!
//! SQLite has one writer at a time, and every commit costs a round of WAL writes and two hops
//! to the connection's thread (`BEGIN`, `COMMIT`). Under load, writers queue for the writer
//! connection anyway; with group commit, a writer that finds others queued behind it leaves the
//! transaction open for them, and the last one in the queue (or the 64th) commits for all.
//!
//! Each writer still sees "my writes, one transaction, committed before I answer":
//! - a writer whose own work fails rolls the whole group back, and every other member of that
//!   group learns it must do its work again ([`Outcome::Retry`]) — so one writer's failure
//!   never commits half of another's step, nor loses it;
//! - a member is told "committed" only after the commit returned.
//!
//! On PostgreSQL, which commits concurrent transactions together by itself, each writer simply
//! has a transaction of its own.

use crate::{Backend, Db, DbError};
use sqlx::{Any, Transaction};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Mutex, MutexGuard};

/// At most this many writers share one commit.
const MAX_MEMBERS: usize = 64;

/// How long a member waits for the group's outcome before checking nobody is left to commit.
const LINGER: std::time::Duration = std::time::Duration::from_millis(200);

type Decided = Option<Result<(), Arc<str>>>;

/// The writers' shared open transaction (one per database handle).
#[derive(Default)]
pub(crate) struct Group {
    open: Mutex<Open>,
    waiting: AtomicUsize,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Open {
    tx: Option<Transaction<'static, Any>>,
    /// Which group the open transaction is (one more each time one opens).
    generation: u64,
    members: usize,
    decided: Option<watch::Sender<Decided>>,
}

/// What became of a writer's work.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Committed.
    Committed,
    /// Rolled back because another member of the group failed: do the work again.
    Retry,
    /// Rolled back because this writer's own work failed.
    RolledBack,
}

/// A writer's place in a group: its transaction while it works, then its outcome.
pub struct Slot<'g> {
    inner: SlotInner<'g>,
}

enum SlotInner<'g> {
    Shared {
        group: &'g Group,
        guard: Option<MutexGuard<'g, Open>>,
        generation: u64,
        decided: watch::Receiver<Decided>,
    },
    Own(Option<Transaction<'static, Any>>),
}

struct Waiting<'g>(&'g AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Db {
    /// A transaction for one writer's work, shared with the writers queued behind it on SQLite
    /// (see the module text). Do the work on [`Slot::tx`], then call [`Slot::finish`]; on
    /// [`Outcome::Retry`] do it again in a new slot.
    pub async fn join_group(&self) -> Result<Slot<'_>, DbError> {
        if self.backend == Backend::Postgres {
            return Ok(Slot {
                inner: SlotInner::Own(Some(self.writer.begin().await?)),
            });
        }
        let group = &*self.group;
        group.waiting.fetch_add(1, Ordering::SeqCst);
        let waiting = Waiting(&group.waiting);
        let mut guard = group.open.lock().await;
        drop(waiting);
        if guard.tx.is_none() {
            guard.tx = Some(self.writer.begin().await?);
            guard.generation += 1;
            guard.members = 0;
            guard.decided = Some(watch::channel(None).0);
        }
        let decided = guard
            .decided
            .as_ref()
            .expect("an open group has its outcome channel")
            .subscribe();
        let generation = guard.generation;
        Ok(Slot {
            inner: SlotInner::Shared {
                group,
                guard: Some(guard),
                generation,
                decided,
            },
        })
    }
}

impl Slot<'_> {
    /// The transaction to work in.
    pub fn tx(&mut self) -> &mut Transaction<'static, Any> {
        match &mut self.inner {
            SlotInner::Shared { guard, .. } => guard
                .as_mut()
                .and_then(|g| g.tx.as_mut())
                .expect("a slot holds the open transaction until it finishes"),
            SlotInner::Own(tx) => tx.as_mut().expect("a slot holds its transaction"),
        }
    }

    /// Ends this writer's part: `ok` when its work succeeded (it is then committed, with the
    /// group), otherwise everything in the group is rolled back.
    pub async fn finish(mut self, ok: bool) -> Result<Outcome, sqlx::Error> {
        match &mut self.inner {
            SlotInner::Own(tx) => {
                let tx = tx.take().expect("a slot finishes once");
                if ok {
                    tx.commit().await?;
                    Ok(Outcome::Committed)
                } else {
                    tx.rollback().await?;
                    Ok(Outcome::RolledBack)
                }
            }
            SlotInner::Shared {
                group,
                guard,
                generation,
                decided,
            } => {
                let mut open = guard.take().expect("a slot finishes once");
                let tx = if !ok {
                    open.tx.take()
                } else {
                    open.members += 1;
                    if group.waiting.load(Ordering::SeqCst) == 0 || open.members >= MAX_MEMBERS {
                        open.tx.take()
                    } else {
                        None
                    }
                };
                let (tx, mut open) = match tx {
                    Some(tx) => (tx, open),
                    None => {
                        // Others are queued: the last of them commits for all. Should the
                        // queue empty without anyone committing (a queued writer cancelled),
                        // a member commits after a moment.
                        drop(open);
                        loop {
                            let waited =
                                tokio::time::timeout(LINGER, decided.wait_for(Option::is_some))
                                    .await;
                            if let Ok(d) = waited {
                                let d = d.map_err(|_| sqlx::Error::WorkerCrashed)?;
                                return Ok(match &*d {
                                    Some(Ok(())) => Outcome::Committed,
                                    _ => Outcome::Retry,
                                });
                            }
                            let Ok(mut open) = group.open.try_lock() else {
                                continue; // someone is at work in the group: they will decide
                            };
                            if open.generation == *generation && open.tx.is_some() {
                                let tx = open.tx.take().expect("checked");
                                break (tx, open);
                            }
                        }
                    }
                };
                let result = if ok {
                    tx.commit().await
                } else {
                    tx.rollback().await
                };
                let told: Result<(), Arc<str>> = match (&result, ok) {
                    (Ok(()), true) => Ok(()),
                    (Err(e), _) => Err(e.to_string().into()),
                    (Ok(()), false) => Err("another writer in the group failed".into()),
                };
                if let Some(d) = open.decided.take() {
                    d.send_replace(Some(told));
                }
                drop(open);
                result?;
                Ok(if ok {
                    Outcome::Committed
                } else {
                    Outcome::RolledBack
                })
            }
        }
    }
}

impl Drop for Slot<'_> {
    /// A writer abandoned mid-work (its task cancelled): the group cannot know what it left
    /// half-done, so it is rolled back (sqlx rolls a dropped transaction back) and the other
    /// members do their work again.
    fn drop(&mut self) {
        if let SlotInner::Shared {
            guard: Some(open), ..
        } = &mut self.inner
        {
            open.tx.take();
            if let Some(d) = open.decided.take() {
                d.send_replace(Some(Err("a writer in the group was abandoned".into())));
            }
        }
    }
}
