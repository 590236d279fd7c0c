//! Applications: what a citizen submits for a service, its documents, and its history.
//!
//! Once submitted, an application is run by its service's BPMN process ([`process`]): the
//! status a citizen sees and the officers' tasks are views of the process instance, kept in the
//! same transaction as each step. Every read takes a [`Viewer`]: an applicant sees only their
//! own applications, an officer only those of their agency or with a task for it. Every change
//! is one transaction that writes the new state and its history event together.

pub mod documents;
pub mod process;
mod result_pdf;
pub mod status;
mod store;
pub mod workers;

pub use documents::{Document, DocumentKind, Upload, UploadError};
pub use status::{Action, Actor, Holder, Status};
pub use store::{
    Application, ApplicationError, ApplicationEvent, ApplicationStore, Decision, Fact, InboxFilter,
    InboxItem, OfficerFilter, Viewer,
};
pub use yagona_workflow::store::UserTask;

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
