//! Result documents: what an approved application's holder receives, numbered, signed and
//! verifiable by anyone.
//!
//! - **Issued** by the built-in `yagona:issue-result` step ([`issue_in`], in the step's
//!   transaction): the service's template (`result.toml`, [`content`]) filled from the process
//!   variables, printed in the holder's language with Uzbek beside it, with a document number
//!   (`YD-XXXX-XXXX`) and a QR code leading to `{public address}/verify/{number}`, signed by the
//!   agency's key (PAdES) when this node holds it. A file the officer attached is carried
//!   inside it — an embedded file the signature covers, named on the page with its SHA-256 —
//!   so that every result has its number, QR code and signature, whoever wrote its text.
//! - **Verified** by anyone from its number ([`Verification`]: valid, revoked or superseded,
//!   the agency, the service, the date, the holder's name masked), and byte for byte against
//!   an uploaded copy (its SHA-256 against the stored file's).
//! - **Revoked or superseded** by an officer of the issuing agency, with a reason; superseding
//!   issues the replacement (the officer's PDF, or the same content issued again) in the same
//!   transaction. The application's history records who did it.
//! - **Kept** in the holder's cabinet and **shared** through links that expire after 1, 7 or
//!   30 days and that the holder may withdraw; only the link's hash is stored.

pub mod content;
mod store;

pub use store::Share;

use crate::documents::DocumentKind;
use crate::model::{Application, ApplicationError};
use crate::store::{insert_document, NewDocument, Tx};
use content::{Content, Frame};
use serde::Serialize;
use serde_json::{Map, Value};
use yagona_core::{DocumentNumber, I18nText, Locale, Pinfl, ReferenceNumber, Timestamp};
use yagona_documents::Signers;
use yagona_i18n::I18n;

/// Where a node's results are verified, and the agencies it signs for.
pub struct Issuer {
    pub signers: Signers,
    /// The portal's public address: the QR code leads to `{verify_base}/verify/{number}`.
    pub verify_base: String,
    i18n: I18n,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("signers", &self.signers)
            .field("verify_base", &self.verify_base)
            .finish()
    }
}

impl Issuer {
    pub fn new(signers: Signers, verify_base: &str) -> Issuer {
        Issuer {
            signers,
            verify_base: verify_base.trim_end_matches('/').to_owned(),
            i18n: I18n::new(),
        }
    }

    /// Issues results unsigned (a node that holds no agency's key).
    pub fn unsigned(verify_base: &str) -> Issuer {
        Issuer::new(Signers::none(), verify_base)
    }

    /// The verification page's address of a number.
    pub fn verify_url(&self, number: &DocumentNumber) -> String {
        format!("{}/verify/{number}", self.verify_base)
    }
}

/// Whether a result still stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultStatus {
    Valid,
    Revoked,
    Superseded,
}

impl ResultStatus {
    pub fn code(self) -> &'static str {
        match self {
            ResultStatus::Valid => "valid",
            ResultStatus::Revoked => "revoked",
            ResultStatus::Superseded => "superseded",
        }
    }

    fn parse(s: &str) -> Option<ResultStatus> {
        [
            ResultStatus::Valid,
            ResultStatus::Revoked,
            ResultStatus::Superseded,
        ]
        .into_iter()
        .find(|r| r.code() == s)
    }
}

/// An issued result, as its holder and the issuing agency see it.
#[derive(Debug, Clone, Serialize)]
pub struct ResultDocument {
    pub number: DocumentNumber,
    pub application_id: String,
    pub reference: ReferenceNumber,
    /// The stored file (`documents`), downloaded like any of the application's documents.
    pub document_id: String,
    pub file_name: String,
    pub size: i64,
    pub holder_pinfl: Pinfl,
    pub holder_name: String,
    pub agency_code: String,
    pub service_code: String,
    pub title: I18nText,
    pub locale: Locale,
    pub sha256: String,
    /// The SHA-256 of the certificate that signed it, when signed.
    pub signed_by: Option<String>,
    #[serde(with = "yagona_core::rfc3339")]
    pub issued_at: Timestamp,
    pub status: ResultStatus,
    /// Why it was revoked or superseded.
    pub reason: Option<String>,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub changed_at: Option<Timestamp>,
    /// The officer who revoked or superseded it.
    pub changed_by: Option<String>,
    pub supersedes: Option<DocumentNumber>,
    pub superseded_by: Option<DocumentNumber>,
}

/// What anyone holding a number may learn about a result: no PINFL, the name masked.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub number: DocumentNumber,
    pub status: ResultStatus,
    pub reason: Option<String>,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub changed_at: Option<Timestamp>,
    pub superseded_by: Option<DocumentNumber>,
    pub supersedes: Option<DocumentNumber>,
    pub agency_code: String,
    pub service_code: String,
    pub title: I18nText,
    #[serde(with = "yagona_core::rfc3339")]
    pub issued_at: Timestamp,
    /// `D****** K*******`.
    pub holder: String,
    pub signed: bool,
}

impl ResultDocument {
    pub fn verification(&self) -> Verification {
        Verification {
            number: self.number.clone(),
            status: self.status,
            reason: self.reason.clone(),
            changed_at: self.changed_at,
            superseded_by: self.superseded_by.clone(),
            supersedes: self.supersedes.clone(),
            agency_code: self.agency_code.clone(),
            service_code: self.service_code.clone(),
            title: self.title.clone(),
            issued_at: self.issued_at,
            holder: masked(&self.holder_name),
            signed: self.signed_by.is_some(),
        }
    }
}

/// A name as the public sees it: each word's first letter, the rest stars.
pub fn masked(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => std::iter::once(first)
                    .chain(chars.map(|_| '*'))
                    .collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A result about to be stored: its file and what it says.
struct Made {
    bytes: Vec<u8>,
    signed_by: Option<String>,
}

/// An officer's own file for a result, carried inside it.
pub(crate) struct Annex {
    /// Where it is kept (`documents`, kind `annex`).
    pub document_id: String,
    pub file_name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// A stored document's bytes.
pub(crate) async fn document_bytes(
    pool: &sqlx::Pool<sqlx::Any>,
    id: &str,
) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query_scalar("SELECT content FROM documents WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

/// Prints and signs a result's page, carrying the officer's file if there is one.
#[allow(clippy::too_many_arguments)]
fn make(
    issuer: &Issuer,
    content: &Content,
    agency: (&str, &I18nText),
    number: &DocumentNumber,
    at: &Timestamp,
    locale: Locale,
    reference: &ReferenceNumber,
    annex: Option<&Annex>,
) -> Result<Made, ApplicationError> {
    let signer = issuer.signers.get(agency.0);
    let url = issuer.verify_url(number);
    let frame = Frame {
        locale,
        agency: agency.1,
        number: number.as_str(),
        issued: at,
        verify_url: &url,
        reference: reference.as_str(),
        signer,
    };
    let mut sheet = content::sheet(&issuer.i18n, content, &frame);
    if let Some(annex) = annex {
        let digest = yagona_core::sha256_hex(&annex.bytes);
        sheet.rows.push(yagona_documents::Row {
            label: content::both(&issuer.i18n, locale, "document-pdf-annex", None),
            value: yagona_documents::Bilingual::same(format!(
                "{} · SHA-256 {}",
                annex.file_name, digest
            )),
        });
        sheet.attachments.push(yagona_documents::Attachment {
            name: annex.file_name.clone(),
            media_type: annex.media_type.clone(),
            bytes: annex.bytes.clone(),
            description: issuer
                .i18n
                .t(locale, "document-pdf-annex-description", None),
        });
    }
    let mut args = yagona_i18n::Args::new();
    args.set("number", number.to_string());
    let info = yagona_documents::Info {
        title: format!("{} {number}", content.title.get(locale)),
        author: agency.1.get(Locale::Uz).to_owned(),
        reason: issuer.i18n.t(locale, "document-pdf-reason", Some(&args)),
        location: "Toshkent".into(),
        created: *at,
    };
    let bytes = yagona_documents::render(&sheet, &info, signer)
        .map_err(|e| ApplicationError::ResultDocument(e.to_string()))?;
    Ok(Made {
        bytes,
        signed_by: signer.map(|s| s.fingerprint()),
    })
}

/// What the issue step needs of the application's service and process.
pub(crate) struct IssueInput<'a> {
    pub app: &'a Application,
    pub service: &'a yagona_registry::Service,
    pub agency_name: &'a I18nText,
    /// The process variables the step sees.
    pub variables: &'a Map<String, Value>,
    /// Facts the registers gave for the application, by source (`facts.person.surname`).
    pub facts: Map<String, Value>,
    /// The officer who approved last.
    pub officer: String,
    /// The officer's own file, if they attached one: carried inside the result.
    pub attached: Option<&'a Annex>,
}

/// Issues an application's result in the caller's transaction; returns its number and the
/// variables the step sets (`documentNumber`, and `assignedPinfl` where the template assigns
/// one).
pub(crate) async fn issue_in(
    tx: &mut Tx<'static>,
    issuer: &Issuer,
    input: IssueInput<'_>,
    at: &Timestamp,
) -> Result<(DocumentNumber, Map<String, Value>), ApplicationError> {
    let app = input.app;
    let number = DocumentNumber::generate();
    let locale = app.locale.unwrap_or(Locale::Uz);
    let mut set = Map::new();
    set.insert("documentNumber".into(), Value::String(number.to_string()));
    let passport = &input.service.passport;
    let (document, content, signed_by) = {
        let mut vars = input.variables.clone();
        vars.insert("facts".into(), Value::Object(input.facts.clone()));
        vars.insert("documentNumber".into(), Value::String(number.to_string()));
        vars.insert(
            "issuedAt".into(),
            Value::String(yagona_core::format_timestamp(at)),
        );
        // The day it is issued, in Tashkent (what a template counts validity from).
        vars.insert(
            "issuedOn".into(),
            Value::String(yagona_core::tashkent_date(at).to_string()),
        );
        vars.insert("officerName".into(), Value::String(input.officer.clone()));
        let content = match &input.service.result {
            Some(template) => {
                if let Some(assign) = &template.assign_pinfl {
                    let feel = yagona_workflow::feel::Feel;
                    let value = |e: &str| {
                        yagona_workflow::feel::Expressions::evaluate(&feel, e, &vars)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                    };
                    let born = value(&assign.birth_date)
                        .and_then(|d| d.get(..10).and_then(|d| d.parse().ok()));
                    if let (Some(sex), Some(born)) = (value(&assign.sex), born) {
                        let pinfl = content::assigned_pinfl(&sex, born, &app.id);
                        vars.insert("assignedPinfl".into(), Value::String(pinfl.clone()));
                        set.insert("assignedPinfl".into(), Value::String(pinfl));
                    }
                }
                content::fill(&issuer.i18n, template, &input.service.form, &vars)
            }
            None => content::standard(&issuer.i18n, input.service, app, at),
        };
        let made = make(
            issuer,
            &content,
            (passport.agency.as_str(), input.agency_name),
            &number,
            at,
            locale,
            &app.reference,
            input.attached,
        )?;
        let doc = insert_document(
            tx,
            &app.id,
            NewDocument {
                kind: DocumentKind::Result,
                field: "",
                file_name: &format!("{number}.pdf"),
                media_type: "application/pdf",
                bytes: &made.bytes,
            },
            at,
        )
        .await?;
        (doc, Some(content), made.signed_by)
    };
    let title = content
        .as_ref()
        .map(|c| c.title.clone())
        .unwrap_or_else(|| passport.name.clone());
    store::insert_in(
        tx,
        &store::NewResult {
            number: &number,
            app,
            document: &document,
            agency: passport.agency.as_str(),
            title: &title,
            content: content.as_ref(),
            locale,
            signed_by: signed_by.as_deref(),
            supersedes: None,
            annex: input.attached.map(|a| a.document_id.as_str()),
        },
        at,
    )
    .await?;
    Ok((number, set))
}
