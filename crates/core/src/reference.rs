use rand::Rng;
use std::fmt;

/// The alphabet of reference numbers: digits and capitals without the look-alikes
/// 0/O, 1/I/L, 5/S, 2/Z, 8/B and U/V, so a number read out over the phone is not misheard.
const ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTWXY";

/// The number a citizen quotes for an application: `YG-` and eight characters in two groups,
/// e.g. `YG-7K4M-X9QA`. Random, so numbers reveal nothing about volumes or other applicants.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct ReferenceNumber(String);

fn generate(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let mut s = format!("{prefix}-");
    for i in 0..8 {
        if i == 4 {
            s.push('-');
        }
        s.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    s
}

/// Accepts what a person types: any case, spaces, and a missing or differently placed hyphen.
fn parse(prefix: &str, s: &str) -> Option<String> {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect();
    let body = cleaned.strip_prefix(prefix)?;
    if body.len() != 8 || !body.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!("{prefix}-{}-{}", &body[..4], &body[4..]))
}

impl ReferenceNumber {
    pub fn generate() -> Self {
        Self(generate("YG"))
    }

    /// Accepts what a person types: any case, spaces, and a missing or differently placed hyphen.
    pub fn parse(s: &str) -> Result<Self, super::ParseError> {
        parse("YG", s).map(Self).ok_or(super::ParseError::Reference)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The tracking number of an appeal to the contact centre: `MR-` (*murojaat*) and eight
/// characters, e.g. `MR-7K4M-X9QA`; random, and read out as easily as a [`ReferenceNumber`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct TrackingNumber(String);

impl TrackingNumber {
    pub fn generate() -> Self {
        Self(generate("MR"))
    }

    pub fn parse(s: &str) -> Result<Self, super::ParseError> {
        parse("MR", s).map(Self).ok_or(super::ParseError::Reference)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The number of an issued result document: `YD-` (*Yagona hujjat*) and eight characters,
/// e.g. `YD-7K4M-X9QA`, printed on the document beside its QR code and typed on the public
/// verification page; random, and read out as easily as a [`ReferenceNumber`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DocumentNumber(String);

impl DocumentNumber {
    pub fn generate() -> Self {
        Self(generate("YD"))
    }

    pub fn parse(s: &str) -> Result<Self, super::ParseError> {
        parse("YD", s).map(Self).ok_or(super::ParseError::Reference)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ReferenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_numbers_parse_back_and_avoid_lookalikes() {
        for _ in 0..200 {
            let r = ReferenceNumber::generate();
            assert_eq!(ReferenceNumber::parse(r.as_str()).unwrap(), r);
            assert!(!r.as_str()[3..].contains(['0', 'O', '1', 'I', 'L', '5', 'S', 'B', '8']));
        }
        assert_eq!(
            ReferenceNumber::parse(" yg 7k4m x9qa").unwrap().as_str(),
            "YG-7K4M-X9QA"
        );
        assert!(ReferenceNumber::parse("YG-0000-0000").is_err());
        let t = TrackingNumber::generate();
        assert_eq!(
            TrackingNumber::parse(&t.as_str().to_lowercase()).unwrap(),
            t
        );
        assert!(TrackingNumber::parse(ReferenceNumber::generate().as_str()).is_err());
        let d = DocumentNumber::generate();
        assert_eq!(
            DocumentNumber::parse(&d.as_str().replace('-', " ")).unwrap(),
            d
        );
        assert!(DocumentNumber::parse("YD-1234-5678").is_err());
    }
}
