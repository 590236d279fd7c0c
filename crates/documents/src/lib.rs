//! Result documents as files: one A4 page ([`sheet`]) written as a PDF from scratch ([`pdf`])
//! with its fonts subset to the glyphs it uses (a page weighs tens of kilobytes, not
//! megabytes), a QR code leading to the public verification page, and the issuing agency's
//! signature ([`sign`]): PAdES baseline B-B (`/SubFilter /ETSI.CAdES.detached`, a CMS
//! SignedData with the signing-certificate-v2 attribute over the whole file but the signature
//! itself), which offline tools such as poppler's `pdfsig` verify. Agencies' keys and
//! certificates are files made by one command ([`keys`]).
//!
//! What the document says — which rows, in which languages, filled from what — is the
//! applications component's; this crate knows no applications, tables or HTTP.

mod font;
pub mod keys;
pub mod pdf;
pub mod sheet;
pub mod sign;

pub use keys::Signers;
pub use pdf::{Attachment, Info};
pub use sheet::{render, Bilingual, Row, Sheet};
pub use sign::Signer;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the document cannot be written: {0}")]
    Pdf(String),
    #[error("the document cannot be signed: {0}")]
    Signature(String),
    #[error("signing key: {0}")]
    Key(String),
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// Whether `bytes` look like a PDF file (its header), for checking uploads.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.len() > 8
        && bytes[..1024.min(bytes.len())]
            .windows(5)
            .any(|w| w == b"%PDF-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            header: Bilingual::new("Republic of Uzbekistan", "Oʻzbekiston Respublikasi"),
            agency: Bilingual::new("Civil Registry Office", "FHDYo organi"),
            title: Bilingual::new(
                "Свидетельство о рождении",
                "Tugʻilganlik haqidagi guvohnoma",
            ),
            number: Bilingual::new("Номер документа YD-7K4M-X9QA", "Hujjat raqami YD-7K4M-X9QA"),
            issued: Bilingual::new(
                "Выдан 27 ноября 2026 г., 14:05",
                "Berilgan 2026-yil 27-noyabr, 14:05",
            ),
            rows: vec![Row {
                label: Bilingual::new("Ребёнок", "Bola"),
                value: Bilingual::same("Karimov Temur Akmal oʻgʻli"),
            }],
            verify: Bilingual::new("Проверьте документ", "Hujjatni tekshiring"),
            verify_url: "http://localhost:8080/verify/YD-7K4M-X9QA".into(),
            footer: vec!["Signed".into()],
            attachments: Vec::new(),
        }
    }

    fn info() -> Info {
        Info {
            title: "Birth certificate".into(),
            author: "Civil Registry".into(),
            reason: "YD-7K4M-X9QA".into(),
            location: "Toshkent".into(),
            created: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_signed_page_is_small_and_its_byte_range_covers_all_but_the_signature() {
        let dir = tempfile::tempdir().unwrap();
        keys::generate(
            dir.path(),
            &keys::Agency {
                code: "civil-registry",
                name: "FHDYo",
                stir: "201122919",
            },
        )
        .unwrap();
        let signers = Signers::load(dir.path()).unwrap();
        let signer = signers.get("civil-registry").expect("the key is found");
        assert_eq!(signer.name(), "FHDYo");
        let pdf = render(&sheet(), &info(), Some(signer)).unwrap();
        if let Ok(out) = std::env::var("YAGONA_SAMPLE_PDF") {
            std::fs::write(out, &pdf).unwrap();
        }
        assert!(pdf.starts_with(b"%PDF-1.7"));
        assert!(pdf.len() < 300 * 1024, "{} bytes", pdf.len());
        let marker = b"/ByteRange [";
        let at = pdf.windows(marker.len()).position(|w| w == marker).unwrap() + marker.len();
        let numbers: Vec<usize> = std::str::from_utf8(&pdf[at..at + 40])
            .unwrap()
            .split(']')
            .next()
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(numbers[0], 0);
        assert_eq!(numbers[2] + numbers[3], pdf.len());
        assert_eq!(pdf[numbers[1]], b'<');
        assert_eq!(pdf[numbers[2] - 1], b'>');
        let hex = std::str::from_utf8(&pdf[numbers[1] + 1..numbers[2] - 1]).unwrap();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let cert = sign::signer_certificate(&bytes).unwrap();
        assert_eq!(cert, signer.certificate_der());
        // A key is never overwritten.
        assert!(keys::generate(
            dir.path(),
            &keys::Agency {
                code: "civil-registry",
                name: "x",
                stir: "201122919"
            }
        )
        .is_err());
    }

    #[test]
    fn an_unsigned_page_is_a_pdf_too() {
        let pdf = render(&sheet(), &info(), None).unwrap();
        assert!(is_pdf(&pdf));
        assert!(!String::from_utf8_lossy(&pdf).contains("/Sig"));
    }
}
