//! The demo identity provider's people: citizens with PINFLs, one officer for each agency of
//! the registry, and an administrator. Used by `yagona demo` only; a real deployment signs people
//! in through OneID or another OpenID Connect provider instead.

use crate::{Role, User};
use yagona_core::Pinfl;

pub const IDP: &str = "demo";

/// (PINFL, name): fictitious people with well-formed PINFLs.
pub const CITIZENS: &[(&str, &str)] = &[
    ("31505901234567", "Dilnoza Karimova"),
    ("30912850420017", "Jasur Abdullayev"),
    ("42003960110028", "Малика Юсупова"),
];

/// Officer names, handed out to agencies in order.
const OFFICERS: &[&str] = &[
    "Rustam Toshmatov",
    "Nodira Xolmatova",
    "Sherzod Qodirov",
    "Gulnora Rahimova",
    "Botir Ergashev",
    "Zarina Nazarova",
    "Anvar Saidov",
    "Feruza Aliyeva",
    "Ulugʻbek Mirzayev",
    "Kamola Tursunova",
    "Otabek Yoʻldoshev",
    "Madina Ismoilova",
];

pub fn citizens() -> Vec<User> {
    CITIZENS
        .iter()
        .map(|(pinfl, name)| User {
            id: format!("citizen-{pinfl}"),
            role: Role::Citizen,
            name: (*name).to_owned(),
            pinfl: Some(Pinfl::parse(pinfl).expect("demo PINFLs are well-formed")),
            agency: None,
            idp: IDP.into(),
            subject: (*pinfl).to_owned(),
        })
        .collect()
}

/// One officer for each agency code given.
pub fn officers<'a>(agencies: impl IntoIterator<Item = &'a str>) -> Vec<User> {
    agencies
        .into_iter()
        .enumerate()
        .map(|(i, agency)| User {
            id: format!("officer-{agency}"),
            role: Role::Officer,
            name: OFFICERS[i % OFFICERS.len()].to_owned(),
            pinfl: None,
            agency: Some(agency.to_owned()),
            idp: IDP.into(),
            subject: format!("officer-{agency}"),
        })
        .collect()
}

pub fn admin() -> User {
    User {
        id: "admin".into(),
        role: Role::Admin,
        name: "Egov Markazi administratori".into(),
        pinfl: None,
        agency: None,
        idp: IDP.into(),
        subject: "admin".into(),
    }
}

/// Contact-centre operators of the National Communication Centre.
pub fn operators() -> Vec<User> {
    [("operator", "Shahnoza Qosimova")]
        .iter()
        .map(|(id, name)| User {
            id: (*id).into(),
            role: Role::Operator,
            name: (*name).into(),
            pinfl: None,
            agency: None,
            idp: IDP.into(),
            subject: (*id).into(),
        })
        .collect()
}
