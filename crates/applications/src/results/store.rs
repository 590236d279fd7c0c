//! Result documents and their shared links in the database, and the operations on them: every
//! read scoped (the holder's own, the issuing agency's, or the public's masked view by number),
//! every change one transaction with its line in the application's history.

use super::content::Content;
use super::{make, Annex, ResultDocument, ResultStatus, Verification};
use crate::documents::{Document, DocumentKind};
use crate::model::{Application, ApplicationError};
use crate::service::{Applications, MAX_COMMENT};
use crate::status::{Action, Actor};
use crate::store::{insert_document, record, NewDocument, Tx};
use crate::Upload;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use yagona_core::{
    format_timestamp, now, parse_timestamp, DocumentNumber, I18nText, Locale, Pinfl,
    ReferenceNumber, Timestamp,
};

/// The days a shared link may last.
pub const SHARE_DAYS: [u32; 3] = [1, 7, 30];
/// The largest replacement an officer may attach when superseding.
const REPLACEMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

/// A link through which a holder shares a result.
#[derive(Debug, Clone, Serialize)]
pub struct Share {
    pub id: String,
    pub number: DocumentNumber,
    #[serde(with = "yagona_core::rfc3339")]
    pub created_at: Timestamp,
    #[serde(with = "yagona_core::rfc3339")]
    pub expires_at: Timestamp,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub withdrawn_at: Option<Timestamp>,
}

impl Share {
    /// Whether the link still opens the document at `at`.
    pub fn active(&self, at: &Timestamp) -> bool {
        self.withdrawn_at.is_none() && *at < self.expires_at
    }
}

pub(super) struct NewResult<'a> {
    pub number: &'a DocumentNumber,
    pub app: &'a Application,
    pub document: &'a Document,
    pub agency: &'a str,
    pub title: &'a I18nText,
    pub content: Option<&'a Content>,
    pub locale: Locale,
    pub signed_by: Option<&'a str>,
    pub supersedes: Option<&'a DocumentNumber>,
    /// The officer's file it carries (`documents`, kind `annex`).
    pub annex: Option<&'a str>,
}

pub(super) async fn insert_in(
    tx: &mut Tx<'static>,
    r: &NewResult<'_>,
    at: &Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO result_documents (number, application_id, document_id, holder_pinfl, holder_name, agency_code, service_code, title, content, locale, sha256, signed_by, issued_at, status, supersedes, annex_document_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'valid', $14, $15)",
    )
    .bind(r.number.as_str())
    .bind(&r.app.id)
    .bind(&r.document.id)
    .bind(r.app.applicant_pinfl.as_str())
    .bind(&r.app.applicant_name)
    .bind(r.agency)
    .bind(&r.app.service_code)
    .bind(serde_json::to_string(r.title).unwrap_or_default())
    .bind(r.content.map(|c| serde_json::to_string(c).unwrap_or_default()))
    .bind(r.locale.tag())
    .bind(&r.document.sha256)
    .bind(r.signed_by)
    .bind(format_timestamp(at))
    .bind(r.supersedes.map(DocumentNumber::as_str))
    .bind(r.annex)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const COLUMNS: &str = "r.number, r.application_id, a.reference, r.document_id, d.file_name, d.size, r.holder_pinfl, r.holder_name, r.agency_code, r.service_code, r.title, r.locale, r.sha256, r.signed_by, r.issued_at, r.status, r.reason, r.changed_at, r.changed_by, r.supersedes, r.superseded_by";
const FROM: &str = "result_documents r JOIN applications a ON a.id = r.application_id JOIN documents d ON d.id = r.document_id";

fn bad(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("result document row has an invalid {what}").into())
}

fn from_row(row: &AnyRow) -> Result<ResultDocument, sqlx::Error> {
    let text = |c: &str| row.try_get::<String, _>(c);
    let optional = |c: &str| row.try_get::<Option<String>, _>(c);
    let number = |t: Option<String>| -> Result<Option<DocumentNumber>, sqlx::Error> {
        t.map(|t| DocumentNumber::parse(&t).map_err(|_| bad("number")))
            .transpose()
    };
    Ok(ResultDocument {
        number: DocumentNumber::parse(&text("number")?).map_err(|_| bad("number"))?,
        application_id: text("application_id")?,
        reference: ReferenceNumber::parse(&text("reference")?).map_err(|_| bad("reference"))?,
        document_id: text("document_id")?,
        file_name: text("file_name")?,
        size: row.try_get("size")?,
        holder_pinfl: Pinfl::parse(&text("holder_pinfl")?).map_err(|_| bad("holder"))?,
        holder_name: text("holder_name")?,
        agency_code: text("agency_code")?,
        service_code: text("service_code")?,
        title: serde_json::from_str(&text("title")?).map_err(|_| bad("title"))?,
        locale: Locale::parse(&text("locale")?).unwrap_or(Locale::Uz),
        sha256: text("sha256")?,
        signed_by: optional("signed_by")?,
        issued_at: parse_timestamp(&text("issued_at")?).ok_or_else(|| bad("issued_at"))?,
        status: ResultStatus::parse(&text("status")?).ok_or_else(|| bad("status"))?,
        reason: optional("reason")?,
        changed_at: optional("changed_at")?.and_then(|t| parse_timestamp(&t)),
        changed_by: optional("changed_by")?,
        supersedes: number(optional("supersedes")?)?,
        superseded_by: number(optional("superseded_by")?)?,
    })
}

fn share_from_row(row: &AnyRow) -> Result<Share, sqlx::Error> {
    let at = |c: &str| -> Result<Timestamp, sqlx::Error> {
        parse_timestamp(&row.try_get::<String, _>(c)?).ok_or_else(|| bad(c))
    };
    Ok(Share {
        id: row.try_get("id")?,
        number: DocumentNumber::parse(&row.try_get::<String, _>("number")?)
            .map_err(|_| bad("number"))?,
        created_at: at("created_at")?,
        expires_at: at("expires_at")?,
        withdrawn_at: row
            .try_get::<Option<String>, _>("withdrawn_at")?
            .and_then(|t| parse_timestamp(&t)),
    })
}

/// A shared link's token as stored: its SHA-256, so that the database never holds a link.
fn token_hash(token: &str) -> String {
    yagona_core::sha256_hex(token.as_bytes())
}

fn applicant_pinfl(actor: &Actor) -> Result<&Pinfl, ApplicationError> {
    match actor {
        Actor::Applicant { pinfl, .. } => Ok(pinfl),
        _ => Err(ApplicationError::NotFound),
    }
}

fn officer_agency(actor: &Actor) -> Result<&str, ApplicationError> {
    match actor {
        Actor::Officer { agency, .. } => Ok(agency),
        _ => Err(ApplicationError::NotFound),
    }
}

/// A reason as given: required, and not longer than a decision's comment.
fn reason(text: &str) -> Result<&str, ApplicationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApplicationError::CommentRequired);
    }
    if text.chars().count() > MAX_COMMENT {
        return Err(ApplicationError::Invalid(vec![yagona_forms::FieldError {
            message: None,
            field: "reason".into(),
            keyword: "maxLength".into(),
            limit: Some(MAX_COMMENT.to_string()),
        }]));
    }
    Ok(text)
}

impl Applications {
    async fn results_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Vec<ResultDocument>, ApplicationError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE {condition} ORDER BY r.issued_at DESC, r.number"
        ))
        .bind(value)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    async fn result(
        &self,
        number: &DocumentNumber,
    ) -> Result<Option<ResultDocument>, ApplicationError> {
        Ok(self
            .results_where("r.number = $1", number.as_str())
            .await?
            .into_iter()
            .next())
    }

    /// Every result issued to a holder, newest first (their cabinet).
    pub async fn results_of_holder(
        &self,
        holder: &Pinfl,
    ) -> Result<Vec<ResultDocument>, ApplicationError> {
        self.results_where("r.holder_pinfl = $1", holder.as_str())
            .await
    }

    /// One of a holder's results; another's reads as not found.
    pub async fn holder_result(
        &self,
        holder: &Pinfl,
        number: &DocumentNumber,
    ) -> Result<Option<ResultDocument>, ApplicationError> {
        Ok(self
            .result(number)
            .await?
            .filter(|r| r.holder_pinfl == *holder))
    }

    /// The results issued for an application the caller has already read in its scope.
    pub async fn results_of_application(
        &self,
        app: &Application,
    ) -> Result<Vec<ResultDocument>, ApplicationError> {
        self.results_where("r.application_id = $1", &app.id).await
    }

    /// What anyone may learn about a result from its number.
    pub async fn verify(
        &self,
        number: &DocumentNumber,
    ) -> Result<Option<Verification>, ApplicationError> {
        Ok(self.result(number).await?.map(|r| r.verification()))
    }

    /// Whether `bytes` are the issued document, byte for byte (`None`: no such number).
    pub async fn is_issued_copy(
        &self,
        number: &DocumentNumber,
        bytes: &[u8],
    ) -> Result<Option<bool>, ApplicationError> {
        Ok(self
            .result(number)
            .await?
            .map(|r| r.sha256 == yagona_core::sha256_hex(bytes)))
    }

    /// The issuing agency's officer revokes a valid result, with a reason.
    pub async fn revoke_result(
        &self,
        officer: &Actor,
        number: &DocumentNumber,
        why: &str,
    ) -> Result<ResultDocument, ApplicationError> {
        let agency = officer_agency(officer)?;
        let why = reason(why)?;
        let doc = self
            .result(number)
            .await?
            .filter(|r| r.agency_code == agency)
            .ok_or(ApplicationError::NotFound)?;
        let at = now();
        let mut tx = self.db.writer.begin().await?;
        close_in(
            &mut tx,
            &doc,
            ResultStatus::Revoked,
            why,
            officer,
            None,
            &at,
        )
        .await?;
        record_in(&mut tx, &doc, officer, Action::RevokeResult, why, &at).await?;
        tx.commit().await?;
        self.result(number).await?.ok_or(ApplicationError::NotFound)
    }

    /// The issuing agency's officer replaces a valid result, with a reason: by the PDF they
    /// attach, or else by the same content issued again (a new number, date and signature).
    /// Returns the replacement.
    pub async fn supersede_result(
        &self,
        officer: &Actor,
        number: &DocumentNumber,
        why: &str,
        replacement: Option<Upload>,
    ) -> Result<ResultDocument, ApplicationError> {
        let agency = officer_agency(officer)?;
        let why = reason(why)?;
        let doc = self
            .result(number)
            .await?
            .filter(|r| r.agency_code == agency)
            .ok_or(ApplicationError::NotFound)?;
        if doc.status != ResultStatus::Valid {
            return Err(ApplicationError::ResultClosed);
        }
        let app = self
            .store()
            .get_by_id(&doc.application_id)
            .await?
            .ok_or(ApplicationError::NotFound)?;
        let at = now();
        let new_number = DocumentNumber::generate();
        // What the replacement says: the content as it was issued (a result issued before
        // contents were kept says the service's standard text). The officer's PDF, if they
        // give one, is carried inside it, as is the file the result carried before.
        let (stored, kept_annex): (Option<String>, Option<String>) = sqlx::query_as(
            "SELECT content, annex_document_id FROM result_documents WHERE number = $1",
        )
        .bind(number.as_str())
        .fetch_one(&self.db.pool)
        .await?;
        let cat = self.catalogue.get().await;
        let content: Content = match stored.and_then(|c| serde_json::from_str(&c).ok()) {
            Some(c) => c,
            None => {
                let service = cat.service(&app.service_code).ok_or_else(|| {
                    ApplicationError::ResultDocument("the service is no longer offered".into())
                })?;
                super::content::standard(&self.issuer.i18n, service, &app, &at)
            }
        };
        let annex = match (replacement, kept_annex) {
            (Some(upload), _) => {
                upload
                    .check(&["application/pdf".to_owned()], REPLACEMENT_MAX_BYTES)
                    .map_err(ApplicationError::Upload)?;
                Some(Annex {
                    document_id: String::new(),
                    file_name: upload.clean_name(),
                    media_type: "application/pdf".into(),
                    bytes: upload.bytes,
                })
            }
            (None, Some(id)) => {
                let (file_name, media_type, bytes): (String, String, Vec<u8>) = sqlx::query_as(
                    "SELECT file_name, media_type, content FROM documents WHERE id = $1",
                )
                .bind(&id)
                .fetch_one(&self.db.pool)
                .await?;
                Some(Annex {
                    document_id: id,
                    file_name,
                    media_type,
                    bytes,
                })
            }
            (None, None) => None,
        };
        let agency_name = cat
            .agency(&doc.agency_code)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| {
                let c = doc.agency_code.clone();
                I18nText {
                    uz: c.clone(),
                    uz_cyrl: c.clone(),
                    ru: c.clone(),
                    en: c,
                }
            });
        let made = make(
            &self.issuer,
            &content,
            (&doc.agency_code, &agency_name),
            &new_number,
            &at,
            doc.locale,
            &doc.reference,
            annex.as_ref(),
        )?;
        let mut tx = self.db.writer.begin().await?;
        let annex_id = match &annex {
            Some(a) if a.document_id.is_empty() => Some(
                insert_document(
                    &mut tx,
                    &app.id,
                    NewDocument {
                        kind: DocumentKind::Annex,
                        field: "",
                        file_name: &a.file_name,
                        media_type: &a.media_type,
                        bytes: &a.bytes,
                    },
                    &at,
                )
                .await?
                .id,
            ),
            Some(a) => Some(a.document_id.clone()),
            None => None,
        };
        let file = insert_document(
            &mut tx,
            &app.id,
            NewDocument {
                kind: DocumentKind::Result,
                field: "",
                file_name: &format!("{new_number}.pdf"),
                media_type: "application/pdf",
                bytes: &made.bytes,
            },
            &at,
        )
        .await?;
        insert_in(
            &mut tx,
            &NewResult {
                number: &new_number,
                app: &app,
                document: &file,
                agency: &doc.agency_code,
                title: &doc.title,
                content: Some(&content),
                locale: doc.locale,
                signed_by: made.signed_by.as_deref(),
                supersedes: Some(number),
                annex: annex_id.as_deref(),
            },
            &at,
        )
        .await?;
        close_in(
            &mut tx,
            &doc,
            ResultStatus::Superseded,
            why,
            officer,
            Some(&new_number),
            &at,
        )
        .await?;
        record_in(&mut tx, &doc, officer, Action::SupersedeResult, why, &at).await?;
        tx.commit().await?;
        self.result(&new_number)
            .await?
            .ok_or(ApplicationError::NotFound)
    }

    /// The holder shares a valid result through a link that lasts `days` (1, 7 or 30); returns
    /// the link's token (shown once: only its hash is kept) and the share.
    pub async fn share_result(
        &self,
        holder: &Actor,
        number: &DocumentNumber,
        days: u32,
    ) -> Result<(String, Share), ApplicationError> {
        let pinfl = applicant_pinfl(holder)?;
        if !SHARE_DAYS.contains(&days) {
            return Err(ApplicationError::ShareDuration);
        }
        let doc = self
            .holder_result(pinfl, number)
            .await?
            .ok_or(ApplicationError::NotFound)?;
        if doc.status != ResultStatus::Valid {
            return Err(ApplicationError::ResultClosed);
        }
        let token: String = {
            use rand::RngCore;
            let mut bytes = [0u8; 24];
            rand::thread_rng().fill_bytes(&mut bytes);
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        };
        let at = now();
        let share = Share {
            id: uuid::Uuid::new_v4().to_string(),
            number: number.clone(),
            created_at: at,
            expires_at: at + chrono::Duration::days(days as i64),
            withdrawn_at: None,
        };
        let mut tx = self.db.writer.begin().await?;
        sqlx::query(
            "INSERT INTO result_shares (id, token_hash, number, holder_pinfl, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&share.id)
        .bind(token_hash(&token))
        .bind(number.as_str())
        .bind(pinfl.as_str())
        .bind(format_timestamp(&share.created_at))
        .bind(format_timestamp(&share.expires_at))
        .execute(&mut *tx)
        .await?;
        let until = yagona_core::tashkent_display(&share.expires_at);
        record_in(&mut tx, &doc, holder, Action::ShareResult, &until, &at).await?;
        tx.commit().await?;
        Ok((token, share))
    }

    /// The links a holder made for one of their results, newest first.
    pub async fn shares(
        &self,
        holder: &Pinfl,
        number: &DocumentNumber,
    ) -> Result<Vec<Share>, ApplicationError> {
        let rows = sqlx::query(
            "SELECT id, number, created_at, expires_at, withdrawn_at FROM result_shares WHERE number = $1 AND holder_pinfl = $2 ORDER BY created_at DESC",
        )
        .bind(number.as_str())
        .bind(holder.as_str())
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.iter().map(share_from_row).collect::<Result<_, _>>()?)
    }

    /// The holder withdraws a link: it opens nothing from now on.
    pub async fn withdraw_share(
        &self,
        holder: &Actor,
        number: &DocumentNumber,
        share_id: &str,
    ) -> Result<(), ApplicationError> {
        let pinfl = applicant_pinfl(holder)?;
        let doc = self
            .holder_result(pinfl, number)
            .await?
            .ok_or(ApplicationError::NotFound)?;
        let at = now();
        let mut tx = self.db.writer.begin().await?;
        let done = sqlx::query(
            "UPDATE result_shares SET withdrawn_at = $1 WHERE id = $2 AND number = $3 AND holder_pinfl = $4 AND withdrawn_at IS NULL",
        )
        .bind(format_timestamp(&at))
        .bind(share_id)
        .bind(number.as_str())
        .bind(pinfl.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(ApplicationError::NotFound);
        }
        record_in(&mut tx, &doc, holder, Action::WithdrawShare, "", &at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What a shared link shows while it is active: the result's public view and the share.
    pub async fn shared_result(
        &self,
        token: &str,
    ) -> Result<Option<(Verification, Share)>, ApplicationError> {
        let row = sqlx::query(
            "SELECT id, number, created_at, expires_at, withdrawn_at FROM result_shares WHERE token_hash = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.db.pool)
        .await?;
        let Some(share) = row.as_ref().map(share_from_row).transpose()? else {
            return Ok(None);
        };
        if !share.active(&now()) {
            return Ok(None);
        }
        Ok(self
            .result(&share.number)
            .await?
            .map(|r| (r.verification(), share)))
    }

    /// The file behind an active shared link.
    pub async fn shared_file(
        &self,
        token: &str,
    ) -> Result<Option<(Document, Vec<u8>)>, ApplicationError> {
        let Some((v, _)) = self.shared_result(token).await? else {
            return Ok(None);
        };
        let Some(doc) = self.result(&v.number).await? else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT id, application_id, kind, field, file_name, media_type, size, sha256, created_at, content FROM documents WHERE id = $1",
        )
        .bind(&doc.document_id)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(r) => {
                let bytes: Vec<u8> = r.try_get("content")?;
                Ok(Some((crate::store::document_from_row(&r)?, bytes)))
            }
            None => Ok(None),
        }
    }
}

/// Closes a valid result (guarded: two officers at once get one change and a refusal).
async fn close_in(
    tx: &mut Tx<'static>,
    doc: &ResultDocument,
    status: ResultStatus,
    why: &str,
    officer: &Actor,
    by: Option<&DocumentNumber>,
    at: &Timestamp,
) -> Result<(), ApplicationError> {
    let done = sqlx::query(
        "UPDATE result_documents SET status = $1, reason = $2, changed_at = $3, changed_by = $4, superseded_by = $5
         WHERE number = $6 AND status = 'valid'",
    )
    .bind(status.code())
    .bind(why)
    .bind(format_timestamp(at))
    .bind(officer.name())
    .bind(by.map(DocumentNumber::as_str))
    .bind(doc.number.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(ApplicationError::ResultClosed);
    }
    Ok(())
}

/// The line in the application's history: who did what to which result, and why.
async fn record_in(
    tx: &mut Tx<'static>,
    doc: &ResultDocument,
    actor: &Actor,
    action: Action,
    detail: &str,
    at: &Timestamp,
) -> Result<(), ApplicationError> {
    let comment = if detail.is_empty() {
        doc.number.to_string()
    } else {
        format!("{}: {detail}", doc.number)
    };
    let status: String = sqlx::query_scalar("SELECT status FROM applications WHERE id = $1")
        .bind(&doc.application_id)
        .fetch_one(&mut **tx)
        .await?;
    record(
        tx,
        &doc.application_id,
        at,
        actor,
        action,
        crate::status::Status::parse(&status),
        Some(&comment),
        None,
    )
    .await?;
    Ok(())
}
