//! Documents uploaded before their application exists (GovStack's `POST /documents`): kept for
//! their owner only, taken up by an application within a day or swept away.

use super::{ApplicationStore, Tx};
use crate::documents::UploadError;
use crate::model::ApplicationError;
use crate::Upload;
use yagona_core::{format_timestamp, now, Pinfl};

impl ApplicationStore<'_> {
    /// Keeps a file for its owner; its type is checked when it is attached to a form's file
    /// field. Returns its id.
    pub async fn stage(
        &self,
        owner: &Pinfl,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<String, ApplicationError> {
        if bytes.is_empty() {
            return Err(ApplicationError::Upload(UploadError::Empty));
        }
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query("INSERT INTO staged_documents (id, owner_pinfl, file_name, content, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(owner.as_str())
            .bind(file_name)
            .bind(bytes.to_vec())
            .bind(format_timestamp(&now()))
            .execute(&self.db.writer)
            .await?;
        Ok(id)
    }

    /// A staged file of this owner, as an upload for a form field.
    pub(crate) async fn staged(
        &self,
        owner: &Pinfl,
        id: &str,
        field: &str,
    ) -> Result<Option<Upload>, ApplicationError> {
        let row: Option<(String, Vec<u8>)> = sqlx::query_as(
            "SELECT file_name, content FROM staged_documents WHERE id = $1 AND owner_pinfl = $2",
        )
        .bind(id)
        .bind(owner.as_str())
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.map(|(file_name, bytes)| Upload {
            field: field.to_owned(),
            file_name,
            bytes,
        }))
    }

    /// Forgets a staged file once an application took it up (in that application's
    /// transaction). A file another filing took up meanwhile is refused (`field`'s): one
    /// document belongs to one application.
    pub(crate) async fn unstage(
        tx: &mut Tx<'_>,
        owner: &Pinfl,
        id: &str,
        field: &str,
    ) -> Result<(), ApplicationError> {
        let gone = sqlx::query("DELETE FROM staged_documents WHERE id = $1 AND owner_pinfl = $2")
            .bind(id)
            .bind(owner.as_str())
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if gone != 1 {
            return Err(ApplicationError::NoStagedDocument(field.to_owned()));
        }
        Ok(())
    }

    /// Deletes documents uploaded before an application that none took up by `cutoff` (they are
    /// personal data with no purpose left). Returns how many went.
    pub async fn sweep_staged(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, ApplicationError> {
        Ok(
            sqlx::query("DELETE FROM staged_documents WHERE created_at < $1")
                .bind(format_timestamp(&cutoff))
                .execute(&self.db.writer)
                .await?
                .rows_affected(),
        )
    }
}
