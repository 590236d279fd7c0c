//! What an applicant is told, queued in the transaction of the change it tells of (see
//! `yagona_notices`): the application received, its fee due or received, sent back for
//! correction, approved or rejected. The applicant hears on the channels they chose, in their
//! language; a notice names the application by its reference number.

use crate::model::Application;
use serde_json::{Map, Value};

use yagona_core::Locale;
use yagona_notices::{Event, NewNotice, NoticeError, Notices, Recipient};

/// Queues `event` for the application's applicant in `tx`, once per `occasion` (what makes it
/// a new notice: a step's id, an invoice's number).
pub(crate) async fn tell_in(
    tx: &mut yagona_notices::Tx,
    app: &Application,
    event: Event,
    occasion: &str,
    mut params: Map<String, Value>,
) -> Result<(), NoticeError> {
    params.insert("reference".into(), app.reference.as_str().into());
    Notices::queue_in(
        tx,
        &NewNotice {
            subject_kind: "application",
            subject_ref: app.reference.as_str().to_owned(),
            event,
            to: Recipient::Person(app.applicant_pinfl.clone()),
            // The state language, unless the person chose another.
            locale: Locale::Uz,
            urgent: false,
            params,
            key: format!("application:{}:{}:{occasion}", app.id, event.as_str()),
        },
    )
    .await?;
    Ok(())
}

impl From<NoticeError> for crate::ApplicationError {
    fn from(e: NoticeError) -> Self {
        match e {
            NoticeError::Db(d) => crate::ApplicationError::Db(d),
            other => crate::ApplicationError::Process(other.to_string()),
        }
    }
}
