//! Guessing the check of a tracking number is not free: a phone number is only nine digits.
//!
//! What is counted is the guesser — the client the edge names (its address) — in the database,
//! so the limit holds on every node; never the number guessed at, which would let anyone lock
//! its owner out with ten wrong checks.

use yagona_identity::attempts::{Attempts, Limit};

/// Wrong checks of well-formed tracking numbers one client may make in an hour.
pub const TRACKING_CHECKS: Limit = Limit {
    scope: "tracking-check",
    max: 10,
    window_secs: 3600,
};

/// Who is following an appeal by its tracking number: the client making the attempt, as the
/// edge knows it (an address), whose wrong checks are counted.
pub struct Guesser<'a>(pub &'a str);

impl Guesser<'_> {
    pub(crate) async fn locked(&self, db: &yagona_db::Db) -> Result<bool, yagona_db::DbError> {
        Attempts { db }.exhausted(&TRACKING_CHECKS, self.0).await
    }

    pub(crate) async fn note_wrong_check(
        &self,
        db: &yagona_db::Db,
    ) -> Result<(), yagona_db::DbError> {
        Attempts { db }.spend(&TRACKING_CHECKS, self.0).await?;
        Ok(())
    }
}
