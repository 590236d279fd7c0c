//! Agencies' signing keys: made by one command (`yagona documents keygen`), kept as files in
//! the node's keys folder beside the exchange's — the private key (PKCS#8 PEM, ECDSA P-256,
//! readable by the owner only) and a self-signed certificate naming the agency (its name, and
//! its STIR as the organisation identifier `NTRUZ-…`, as ETSI EN 319 412-1 writes it). A
//! deployment may replace the certificate with one its certification authority issued for the
//! same key.

use crate::sign::Signer;
use crate::Error;
use chrono::Datelike;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file an agency's private key is kept in.
pub fn key_file(dir: &Path, agency: &str) -> PathBuf {
    dir.join(format!("documents.{agency}.key.pem"))
}

/// The file an agency's certificate is kept in.
pub fn certificate_file(dir: &Path, agency: &str) -> PathBuf {
    dir.join(format!("documents.{agency}.crt.pem"))
}

/// Who a certificate names.
#[derive(Debug, Clone)]
pub struct Agency<'a> {
    /// The registry's code (the files' names).
    pub code: &'a str,
    /// The agency's name, as the certificate's common name and organisation (its first 64
    /// characters: give the short name where the full one is longer).
    pub name: &'a str,
    /// Its taxpayer number (STIR).
    pub stir: &'a str,
}

fn write_new(path: &Path, content: &str, private: bool) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::Key(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(io)?;
    std::io::Write::write_all(&mut file, content.as_bytes()).map_err(io)
}

/// Makes an agency's key and self-signed certificate (valid five years from today) in `dir`;
/// an existing key is never overwritten. Returns the two files.
pub fn generate(dir: &Path, agency: &Agency<'_>) -> Result<(PathBuf, PathBuf), Error> {
    let (key_path, cert_path) = (
        key_file(dir, agency.code),
        certificate_file(dir, agency.code),
    );
    if key_path.exists() {
        return Err(Error::Key(format!(
            "{} exists: a key is never overwritten",
            key_path.display()
        )));
    }
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| Error::Key(e.to_string()))?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
        .map_err(|e| Error::Key(e.to_string()))?;
    // X.509 bounds a common name and an organisation name to 64 characters (RFC 5280).
    let name: String = agency.name.chars().take(64).collect();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CountryName, "UZ");
    dn.push(rcgen::DnType::OrganizationName, name.as_str());
    dn.push(
        rcgen::DnType::CustomDnType(vec![2, 5, 4, 97]),
        format!("NTRUZ-{}", agency.stir),
    );
    dn.push(rcgen::DnType::CommonName, name.as_str());
    params.distinguished_name = dn;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);
    params.not_before = rcgen::date_time_ymd(
        yesterday.year(),
        yesterday.month() as u8,
        yesterday.day() as u8,
    );
    params.not_after = rcgen::date_time_ymd(today.year() + 5, today.month() as u8, 1);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::ContentCommitment,
    ];
    let cert = params
        .self_signed(&key)
        .map_err(|e| Error::Key(e.to_string()))?;
    write_new(&key_path, &key.serialize_pem(), true)?;
    write_new(&cert_path, &cert.pem(), false)?;
    Ok((key_path, cert_path))
}

/// A signer from an agency's two files.
pub fn read(dir: &Path, agency: &str) -> Result<Signer, Error> {
    let read = |p: PathBuf| {
        std::fs::read_to_string(&p).map_err(|e| Error::Key(format!("{}: {e}", p.display())))
    };
    Signer::from_pem(
        &read(key_file(dir, agency))?,
        &read(certificate_file(dir, agency))?,
    )
    .map_err(|e| Error::Key(format!("{agency}: {e}")))
}

/// The agencies this node signs for: every key in its keys folder.
#[derive(Debug, Default)]
pub struct Signers {
    by_agency: BTreeMap<String, Signer>,
}

impl Signers {
    /// Signs for nobody (documents are issued unsigned).
    pub fn none() -> Signers {
        Signers::default()
    }

    /// Every agency key in `dir` (`documents.<agency>.key.pem` with its certificate). A folder
    /// that does not exist holds none.
    pub fn load(dir: &Path) -> Result<Signers, Error> {
        let mut by_agency = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Signers { by_agency });
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(agency) = name
                .strip_prefix("documents.")
                .and_then(|n| n.strip_suffix(".key.pem"))
            {
                by_agency.insert(agency.to_owned(), read(dir, agency)?);
            }
        }
        Ok(Signers { by_agency })
    }

    pub fn get(&self, agency: &str) -> Option<&Signer> {
        self.by_agency.get(agency)
    }

    pub fn agencies(&self) -> impl Iterator<Item = &str> {
        self.by_agency.keys().map(String::as_str)
    }
}
