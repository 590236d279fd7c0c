use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused. The message names the rule, for logs and API problem details;
/// user-facing pages translate by kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("a PINFL is 14 digits")]
    Pinfl,
    #[error("a STIR is 9 digits")]
    Stir,
    #[error("a code is 2 to 64 lower-case letters, digits or hyphens, starting with a letter")]
    Code,
    #[error("a reference number looks like YG-XXXX-XXXX")]
    Reference,
    #[error("a phone number is +998 and 9 digits")]
    Phone,
    #[error("an e-mail address looks like name@example.uz")]
    Email,
}

/// A phone number in Uzbekistan, kept as `+998` and 9 digits. People type it with spaces,
/// brackets and hyphens, with or without `+998` (or `8` in front of the 9 digits, as of old).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        if s.chars()
            .any(|c| !(c.is_ascii_digit() || c.is_whitespace() || "+-().".contains(c)))
        {
            return Err(ParseError::Phone);
        }
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let local = match digits.len() {
            12 if digits.starts_with("998") => &digits[3..],
            10 if digits.starts_with('8') => &digits[1..],
            9 => &digits[..],
            _ => return Err(ParseError::Phone),
        };
        Ok(Self(format!("+998{local}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, trimmed and lower-cased (mailbox names are compared without case in
/// practice, and a citizen who typed capitals once must still find their appeal).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim().to_lowercase();
        let ok = s.len() <= 254
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            });
        if ok {
            Ok(Self(s))
        } else {
            Err(ParseError::Email)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn all_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Personal identification number of a natural person (JShShIR / PINFL): 14 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct Pinfl(String);

impl Pinfl {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if all_digits(s, 14) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::Pinfl)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Taxpayer identification number of an organisation or entrepreneur (STIR / INN): 9 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Stir(String);

impl Stir {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        if all_digits(s, 9) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::Stir)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stable identifier of a registry record (service, agency, life event, form step): it appears
/// in addresses and file names, so it is restricted to `[a-z][a-z0-9-]{1,63}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let ok = (2..=64).contains(&s.len())
            && s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::Code)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_newtype_impls {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, ParseError> { Self::parse(&s) }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String { v.0 }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl std::str::FromStr for $t {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> { Self::parse(s) }
        }
    )*};
}
string_newtype_impls!(Pinfl, Stir, Code, Phone, Email);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_kept_as_plus_998_and_nine_digits() {
        for typed in [
            "+998 90 123-45-67",
            "998901234567",
            "(90) 123 45 67",
            "8 901234567",
        ] {
            assert_eq!(
                Phone::parse(typed).unwrap().as_str(),
                "+998901234567",
                "{typed}"
            );
        }
        for bad in [
            "",
            "12345",
            "+7 912 345 67 89",
            "90 123 45 6x",
            "+998 90 123 45 678",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_trimmed_lower_cased_and_checked() {
        assert_eq!(
            Email::parse(" Dilnoza@Mail.UZ ").unwrap().as_str(),
            "dilnoza@mail.uz"
        );
        for bad in [
            "dilnoza",
            "@mail.uz",
            "a@b",
            "a@.uz",
            "a b@mail.uz",
            "a@mail..uz",
            "a@b@c.uz",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pinfl_is_exactly_fourteen_digits() {
        assert!(Pinfl::parse("31203870220012").is_ok());
        assert!(Pinfl::parse(" 31203870220012 ").is_ok());
        assert_eq!(Pinfl::parse("3120387022001"), Err(ParseError::Pinfl));
        assert_eq!(Pinfl::parse("3120387022001a"), Err(ParseError::Pinfl));
    }

    #[test]
    fn codes_are_safe_in_paths() {
        assert!(Code::parse("birth-registration").is_ok());
        assert!(Code::parse("../etc").is_err());
        assert!(Code::parse("Birth").is_err());
        assert!(Code::parse("1abc").is_err());
    }
}
