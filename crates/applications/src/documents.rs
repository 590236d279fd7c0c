//! Documents: files a citizen uploads with an application, and result documents an agency issues.
//!
//! An upload is checked before anything is stored: its size against the form's limit and its
//! type by content (magic bytes), not by the name or the type the browser claims.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// Uploaded by the applicant for a form field.
    Upload,
    /// Issued by the agency as the outcome of the service.
    Result,
    /// An officer's own file for the result: carried inside the signed result document (an
    /// embedded file the signature covers), not handed out alone.
    Annex,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Upload => "upload",
            DocumentKind::Result => "result",
            DocumentKind::Annex => "annex",
        }
    }
}

/// A stored document's description (the content is read separately).
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub id: String,
    pub application_id: String,
    pub kind: DocumentKind,
    /// The form field it answers (uploads) or empty (results).
    pub field: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    #[serde(with = "yagona_core::rfc3339")]
    pub created_at: yagona_core::Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; the limit is {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("the file is not of an accepted type")]
    WrongType,
}

/// A file offered for storage, checked by [`Upload::check`].
pub struct Upload {
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("field", &self.field)
            .field("file_name", &self.file_name)
            .field("size", &self.bytes.len())
            .finish()
    }
}

impl UploadError {
    /// The rule the file broke, as a form shows it beside its field (`upload-too-large` with
    /// the limit in megabytes).
    pub fn field_error(&self, field: &str) -> yagona_forms::FieldError {
        let (keyword, limit) = match self {
            UploadError::Empty => ("upload-empty", None),
            UploadError::TooLarge { limit, .. } => {
                ("upload-too-large", Some((limit / 1_048_576).to_string()))
            }
            UploadError::WrongType => ("upload-wrong-type", None),
        };
        yagona_forms::FieldError {
            message: None,
            field: field.to_owned(),
            keyword: keyword.into(),
            limit,
        }
    }
}

impl Upload {
    /// The media type found in the content, if it is one of `accept`.
    pub fn check(&self, accept: &[String], max_bytes: usize) -> Result<String, UploadError> {
        if self.bytes.is_empty() {
            return Err(UploadError::Empty);
        }
        if self.bytes.len() > max_bytes {
            return Err(UploadError::TooLarge {
                size: self.bytes.len(),
                limit: max_bytes,
            });
        }
        let found = infer::get(&self.bytes)
            .map(|t| t.mime_type())
            .ok_or(UploadError::WrongType)?;
        if accept.iter().any(|a| a == found) {
            Ok(found.to_owned())
        } else {
            Err(UploadError::WrongType)
        }
    }

    /// A file name safe to show and to send back in `Content-Disposition`.
    pub fn clean_name(&self) -> String {
        let base = self.file_name.rsplit(['/', '\\']).next().unwrap_or("");
        let cleaned: String = base
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | ';'))
            .take(120)
            .collect();
        if cleaned.trim().is_empty() {
            "document".into()
        } else {
            cleaned
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(bytes: &[u8]) -> Upload {
        Upload {
            field: "f".into(),
            file_name: "../../x.pdf".into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn type_is_judged_by_content_not_name() {
        let accept = vec!["application/pdf".to_owned()];
        assert_eq!(
            up(b"%PDF-1.7\n...").check(&accept, 1000),
            Ok("application/pdf".into())
        );
        assert_eq!(
            up(b"MZ\x90\x00 not a pdf").check(&accept, 1000),
            Err(UploadError::WrongType)
        );
        assert_eq!(
            up(b"%PDF-1.7 1234567890").check(&accept, 10),
            Err(UploadError::TooLarge {
                size: 19,
                limit: 10
            })
        );
        assert_eq!(up(b"").check(&accept, 10), Err(UploadError::Empty));
        assert_eq!(up(b"x").clean_name(), "x.pdf");
    }
}
