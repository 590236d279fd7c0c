//! The unified registry of public services and forms.
//!
//! Agencies, life events, service passports, their forms, the BHM and the working-day calendar
//! are data: kept as files ([`files`]: the format documented in `registry/README.md`), stored in
//! the database with a version per service ([`store`]), and read by everyone else through the
//! [`Catalogue`], an in-memory read model with search across four languages and both scripts,
//! which each node keeps in a [`CatalogueCache`].

mod cache;
mod catalogue;
pub mod files;
mod model;
mod search;
mod store;

pub use cache::CatalogueCache;
pub use catalogue::{Catalogue, SearchHit, SearchResults};
pub use model::*;
pub use search::Popularity;
pub use store::{ImportReport, RegistryStore, ServiceVersion};
