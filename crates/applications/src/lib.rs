//! Applications: what a citizen submits for a service, its documents, and its history.
//!
//! The lifecycle (which status may follow which, and who may move it) lives in one place,
//! [`lifecycle`], so that the BPMN engine of a later component can replace it without touching
//! storage or pages. Every read takes a [`Viewer`]: an applicant sees only their own
//! applications, an officer only their agency's. Every change is one transaction that writes
//! the new state and its history event together.

pub mod documents;
pub mod lifecycle;
mod result_pdf;
mod store;

pub use documents::{Document, DocumentKind, Upload, UploadError};
pub use lifecycle::{Action, Actor, Holder, Status};
pub use store::{
    Application, ApplicationError, ApplicationEvent, ApplicationStore, Decision, OfficerFilter,
    Viewer,
};

pub use result_pdf::ResultContext;

/// The texts a generated result document prints, taken from the registry's four-language texts.
pub fn result_context(
    service: &yagona_core::I18nText,
    agency: Option<&yagona_core::I18nText>,
    result: &yagona_core::I18nText,
) -> ResultContext {
    ResultContext {
        service_name_uz: service.uz.clone(),
        service_name_en: service.en.clone(),
        agency_name_uz: agency.map(|a| a.uz.clone()).unwrap_or_default(),
        agency_name_en: agency.map(|a| a.en.clone()).unwrap_or_default(),
        result_uz: result.uz.clone(),
        result_en: result.en.clone(),
    }
}
