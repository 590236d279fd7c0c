//! Following an appeal without signing in, from one browser: whoever proves they hold an appeal
//! (its tracking number and the phone or e-mail it was filed with, or by filing it) is granted
//! that appeal for their browser session for a while, so that its page has an address they can
//! bookmark and come back to, and rating or reopening it asks for the check no more.
//!
//! A grant is kept as the hash of the browser's session id (never the id itself), the appeal and
//! the contact that was proved. It reads only while the appeal is still filed with that contact.

use super::AppealStore;
use crate::guard::Guesser;
use crate::model::{contact_key, Appeal, AppealError, Viewer};
use yagona_core::{format_timestamp, now, sha256_hex, TrackingNumber};

/// How long a browser follows an appeal after its holder proved it.
pub const FOLLOW_HOURS: i64 = 12;

/// A browser session, as grants know it: a hash of its id, kept apart from every other use of
/// the id.
fn session_key(session: &str) -> String {
    sha256_hex(format!("appeal-follow\u{1f}{session}").as_bytes())
}

impl AppealStore<'_> {
    /// [`Self::track`], and on success grants the appeal to the browser session.
    pub async fn follow(
        &self,
        guesser: &Guesser<'_>,
        session: &str,
        tracking: &str,
        check: &str,
    ) -> Result<Appeal, AppealError> {
        let appeal = self.track(guesser, tracking, check).await?;
        let contact = contact_key(check.trim()).ok_or(AppealError::NotFound)?;
        self.grant(session, &appeal.id, &contact).await?;
        Ok(appeal)
    }

    /// Grants an appeal filed with this contact to the browser session (its filer, say).
    pub async fn grant(
        &self,
        session: &str,
        id: &TrackingNumber,
        contact: &str,
    ) -> Result<(), AppealError> {
        let at = now();
        let expires = format_timestamp(&(at + chrono::Duration::hours(FOLLOW_HOURS)));
        let key = session_key(session);
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("DELETE FROM appeal_follows WHERE expires_at < $1")
            .bind(format_timestamp(&at))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO appeal_follows (session_hash, appeal_id, contact, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (session_hash, appeal_id) DO UPDATE SET contact = excluded.contact, expires_at = excluded.expires_at",
        )
        .bind(&key)
        .bind(id.as_str())
        .bind(contact)
        .bind(&expires)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends the browser session's grant of the appeal (someone leaving a shared computer).
    pub async fn forget(&self, session: &str, id: &TrackingNumber) -> Result<(), AppealError> {
        sqlx::query("DELETE FROM appeal_follows WHERE session_hash = $1 AND appeal_id = $2")
            .bind(session_key(session))
            .bind(id.as_str())
            .execute(&self.db.writer)
            .await?;
        Ok(())
    }

    /// The appeal as this browser session holds it, with the contact it proved — what to act
    /// on the appeal as ([`Viewer::Contact`]) — while its grant lasts and the appeal is still
    /// filed with that contact.
    pub async fn granted(
        &self,
        session: &str,
        id: &TrackingNumber,
    ) -> Result<Option<(String, Appeal)>, AppealError> {
        let contact: Option<String> = sqlx::query_scalar(
            "SELECT contact FROM appeal_follows WHERE session_hash = $1 AND appeal_id = $2 AND expires_at > $3",
        )
        .bind(session_key(session))
        .bind(id.as_str())
        .bind(format_timestamp(&now()))
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(contact) = contact else {
            return Ok(None);
        };
        Ok(self
            .get(id, Viewer::Contact(&contact))
            .await?
            .map(|a| (contact, a)))
    }
}
