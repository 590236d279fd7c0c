//! An agency's signature on a result, as PAdES baseline B-B asks: a detached CMS SignedData
//! (RFC 5652) over the PDF's byte range, with the signed attributes content-type,
//! message-digest and signing-certificate-v2 (RFC 5035; the certificate's SHA-256 and its
//! issuer and serial number), signed with ECDSA P-256 and carrying the agency's certificate.
//! No signing-time attribute: PAdES takes the time from the signature dictionary's `/M`.

use crate::Error;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Any, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, DecodePem, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_CERTIFICATE_V2: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.47");
const ID_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// `ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial }`.
#[derive(der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

/// `IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }`.
#[derive(der::Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// `SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }`.
#[derive(der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

/// An agency's signing key and certificate.
pub struct Signer {
    key: rcgen::KeyPair,
    certificate: Certificate,
    der: Vec<u8>,
    name: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("name", &self.name).finish()
    }
}

fn der_error(e: der::Error) -> Error {
    Error::Signature(e.to_string())
}

fn sha256_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(der_error)?,
    })
}

impl Signer {
    /// A signer from its private key (PKCS#8 PEM, ECDSA P-256) and its certificate (PEM).
    pub fn from_pem(key: &str, certificate: &str) -> Result<Signer, Error> {
        let key = rcgen::KeyPair::from_pem(key).map_err(|e| Error::Key(e.to_string()))?;
        let certificate =
            Certificate::from_pem(certificate).map_err(|e| Error::Key(e.to_string()))?;
        let der = certificate.to_der().map_err(der_error)?;
        // The certificate must be this key's.
        let spki = certificate
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes()
            .to_vec();
        if spki != rcgen::PublicKeyData::der_bytes(&key) {
            return Err(Error::Key(
                "the certificate is not the private key's".into(),
            ));
        }
        let name = certificate
            .tbs_certificate
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == ID_COMMON_NAME)
            .and_then(|atv| {
                atv.value
                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                    .map(|s| s.as_str().to_owned())
                    .or_else(|_| {
                        atv.value
                            .decode_as::<der::asn1::PrintableStringRef<'_>>()
                            .map(|s| s.as_str().to_owned())
                    })
                    .ok()
            })
            .unwrap_or_default();
        Ok(Signer {
            key,
            certificate,
            der,
            name,
        })
    }

    /// The certificate's common name: the agency, as the signature names it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate's SHA-256, hex: how pages name the key that signed.
    pub fn fingerprint(&self) -> String {
        crate::sha256(&self.der)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A detached CMS SignedData over content whose SHA-256 is `digest`, DER.
    pub fn sign(&self, digest: &[u8; 32]) -> Result<Vec<u8>, Error> {
        let tbs = &self.certificate.tbs_certificate;
        let signing_certificate = SigningCertificateV2 {
            certs: vec![EssCertIdV2 {
                cert_hash: OctetString::new(crate::sha256(&self.der).to_vec())
                    .map_err(der_error)?,
                issuer_serial: IssuerSerial {
                    issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                    serial_number: tbs.serial_number.clone(),
                },
            }],
        };
        let signed_attrs: SetOfVec<Attribute> = SetOfVec::try_from(vec![
            attribute(
                ID_CONTENT_TYPE,
                Any::encode_from(&ID_DATA).map_err(der_error)?,
            )?,
            attribute(
                ID_MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(digest.to_vec()).map_err(der_error)?)
                    .map_err(der_error)?,
            )?,
            attribute(
                ID_SIGNING_CERTIFICATE_V2,
                Any::encode_from(&signing_certificate).map_err(der_error)?,
            )?,
        ])
        .map_err(der_error)?;
        // What is signed is the attributes' DER as a SET OF (RFC 5652, 5.4).
        let to_sign = signed_attrs.to_der().map_err(der_error)?;
        let signature = rcgen::SigningKey::sign(&self.key, &to_sign)
            .map_err(|e| Error::Signature(e.to_string()))?;
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: tbs.issuer.clone(),
                serial_number: tbs.serial_number.clone(),
            }),
            digest_alg: sha256_algorithm(),
            signed_attrs: Some(signed_attrs),
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA256,
                parameters: None,
            },
            signature: OctetString::new(signature).map_err(der_error)?,
            unsigned_attrs: None,
        };
        let signed_data = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: SetOfVec::try_from(vec![sha256_algorithm()]).map_err(der_error)?,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: ID_DATA,
                econtent: None,
            },
            certificates: Some(CertificateSet(
                SetOfVec::try_from(vec![CertificateChoices::Certificate(
                    self.certificate.clone(),
                )])
                .map_err(der_error)?,
            )),
            crls: None,
            signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info]).map_err(der_error)?),
        };
        ContentInfo {
            content_type: ID_SIGNED_DATA,
            content: Any::encode_from(&signed_data).map_err(der_error)?,
        }
        .to_der()
        .map_err(der_error)
    }
}

/// Reads a CMS signature back (for tests and tools): its signer certificate's DER.
pub fn signer_certificate(cms: &[u8]) -> Result<Vec<u8>, Error> {
    // The signature's room in a PDF is padded with zeros after the DER.
    let mut reader = der::SliceReader::new(cms).map_err(der_error)?;
    let info = <ContentInfo as Decode>::decode(&mut reader).map_err(der_error)?;
    let data: SignedData = info.content.decode_as().map_err(der_error)?;
    let set = data
        .certificates
        .ok_or_else(|| Error::Signature("no certificate".into()))?;
    match set.0.iter().next() {
        Some(CertificateChoices::Certificate(c)) => c.to_der().map_err(der_error),
        _ => Err(Error::Signature("no certificate".into())),
    }
}
