//! The operations every channel uses — the portal's pages, the GovStack API, the JSON API, the
//! demo — each checked here once and each one transaction: start an application, save a step
//! of it, submit it, file it in one go, and an officer's take, release and decision.

use crate::exchange::ExchangeClient;
use crate::facts::{self, FactSummary};
use crate::metrics::Metrics;
use crate::model::{Application, ApplicationError, Decision, InboxFilter, InboxItem, Viewer};
use crate::process::{self, REVIEW_FORM};
use crate::statistics::{self, Statistics, StatisticsQuery};
use crate::status::{Action, Actor, Status};
use crate::store::{merged, ApplicationStore, Completion, Draft, ResultFile, Terms};
use crate::Upload;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use yagona_core::{now, Locale, Pinfl, ReferenceNumber};
use yagona_db::{Db, Outcome, Slot};
use yagona_forms::{Context, FieldError, FormDefinition, Widget};
use yagona_registry::{CatalogueCache, ServiceVersion};
use yagona_workflow::store::UserTask;

/// The longest comment an officer may give with a decision.
pub const MAX_COMMENT: usize = 4000;
/// The most tasks an officer's inbox lists: those with the oldest deadlines (the rest come up
/// as these are done, or with a narrower filter).
pub const INBOX_PAGE: usize = 500;
/// The largest result document an officer may attach, and its only type.
const RESULT_MAX_BYTES: usize = 10 * 1024 * 1024;
const RESULT_TYPE: &str = "application/pdf";
/// How often an operation runs again when the reference number it drew was taken.
const FRESH_NUMBER_TRIES: usize = 5;

/// One step of the form as an applicant sent it.
#[derive(Debug, Default)]
pub struct StepInput {
    /// The step's fields, already in the schema's types (`null`: left empty).
    pub answers: Map<String, Value>,
    /// Files for the step's file fields.
    pub uploads: Vec<Upload>,
    /// Keep what is there and come back later: the step's rules are not checked yet (files
    /// still are).
    pub draft: bool,
}

/// An application filed in one go (GovStack's `applications`): its answers, where a file
/// field holds the id of a document its applicant uploaded before (or, correcting a returned
/// application, of the document it already has).
#[derive(Debug, Default)]
pub struct Filing {
    pub answers: Map<String, Value>,
    /// The form version the answers were made for, if the caller says; another than the
    /// current one is [`ApplicationError::FormOutdated`].
    pub form_version: Option<i64>,
}

/// Applications, as every channel uses them.
pub struct Applications {
    pub(crate) db: Db,
    pub(crate) catalogue: CatalogueCache,
    exchange: Option<Arc<dyn ExchangeClient>>,
    metrics: Metrics,
    /// How results are printed, signed and verified (revoking and superseding issue again).
    pub(crate) issuer: Arc<crate::results::Issuer>,
    /// Applications per service lately, for search's ranking.
    pub(crate) popularity: crate::popularity::PopularityCache,
}

impl Applications {
    pub fn new(
        db: Db,
        catalogue: CatalogueCache,
        exchange: Option<Arc<dyn ExchangeClient>>,
    ) -> Applications {
        Applications {
            db,
            catalogue,
            exchange,
            metrics: Metrics::default(),
            issuer: Arc::new(crate::results::Issuer::unsigned("http://localhost")),
            popularity: Default::default(),
        }
    }

    /// Prints, signs and verifies results with `issuer` (the node's keys and address).
    pub fn with_issuer(mut self, issuer: Arc<crate::results::Issuer>) -> Applications {
        self.issuer = issuer;
        self
    }

    /// The node's issuer of results.
    pub fn issuer(&self) -> &Arc<crate::results::Issuer> {
        &self.issuer
    }

    /// Adds the counters of submissions and decisions to a node's metrics.
    pub fn register_metrics(&self, registry: &mut prometheus_client::registry::Registry) {
        self.metrics.register(registry);
    }

    /// Reads (each scoped by a viewer).
    pub fn store(&self) -> ApplicationStore<'_> {
        ApplicationStore { db: &self.db }
    }

    pub fn catalogue(&self) -> &CatalogueCache {
        &self.catalogue
    }

    // ---------------------------------------------------------------------------------------
    // The applicant

    /// Starts an application for a service, or returns the applicant's unfinished draft for it.
    /// A fresh draft is filled with what the registers know about the applicant (a register's
    /// failure leaves its fields to the applicant; it never stops the application).
    pub async fn start(
        &self,
        applicant: &Actor,
        service: &str,
    ) -> Result<Application, ApplicationError> {
        self.start_in(applicant, service, None).await
    }

    /// `start`, from a page in `page` language: what registers know in both scripts (a
    /// person's name) is prefilled in the page's script; without a page, in the script of
    /// the applicant's own name.
    pub async fn start_in(
        &self,
        applicant: &Actor,
        service: &str,
        page: Option<Locale>,
    ) -> Result<Application, ApplicationError> {
        let Actor::Applicant { pinfl, name } = applicant else {
            return Err(ApplicationError::NotFound);
        };
        let cyrillic = match page {
            Some(l) => matches!(l, Locale::UzCyrl | Locale::Ru),
            None => yagona_core::text::is_cyrillic(name),
        };
        let cat = self.catalogue.get().await;
        let (Some(s), Some(version)) = (cat.service(service), cat.service_version(service)) else {
            return Err(ApplicationError::NoService);
        };
        if !s.passport.online {
            return Err(ApplicationError::NoService);
        }
        if let Some(draft) = self.store().open_draft(pinfl, service).await? {
            return Ok(draft);
        }
        let draft = Draft {
            applicant,
            service,
            version,
            agency: s.passport.agency.as_str(),
        };
        let mut tries = 0;
        let app = loop {
            let draft = &draft;
            let made = self
                .write(|mut slot| async move {
                    let made = ApplicationStore::insert_draft(slot.tx(), draft, &now()).await;
                    (slot, made)
                })
                .await;
            match made {
                Err(ApplicationError::Conflict) if tries + 1 < FRESH_NUMBER_TRIES => tries += 1,
                other => break other?,
            }
        };
        let Some(exchange) = &self.exchange else {
            return Ok(app);
        };
        let found = facts::gather(
            exchange.as_ref(),
            &cat.registry.facts,
            &s.form,
            pinfl,
            app.reference.as_str(),
        )
        .await;
        if found.is_empty() {
            return Ok(app);
        }
        let mut answers = app.answers.clone();
        for (k, v) in facts::prefill(&s.form, &found, cyrillic) {
            answers.entry(k).or_insert(v);
        }
        let (draft, found, answers) = (&app, &found, &answers);
        let kept = self
            .write(|mut slot| async move {
                let kept = async {
                    ApplicationStore::write_facts(slot.tx(), draft, found).await?;
                    ApplicationStore::write_answers(slot.tx(), draft.clone(), answers.clone()).await
                }
                .await;
                (slot, kept)
            })
            .await;
        match kept {
            Ok(filled) => Ok(filled),
            Err(e) => {
                tracing::warn!(error = %e, "facts from the registers could not be kept");
                Ok(app)
            }
        }
    }

    /// The applicant's application and the exact service version it is made under.
    pub async fn for_applicant(
        &self,
        pinfl: &Pinfl,
        reference: &ReferenceNumber,
    ) -> Result<(Application, Arc<ServiceVersion>), ApplicationError> {
        let app = self
            .store()
            .get(reference, Viewer::Applicant(pinfl))
            .await?
            .ok_or(ApplicationError::NotFound)?;
        let sv = self.service_version(&app).await?;
        Ok((app, sv))
    }

    async fn service_version(
        &self,
        app: &Application,
    ) -> Result<Arc<ServiceVersion>, ApplicationError> {
        self.catalogue
            .service_version(&app.service_code, app.service_version)
            .await?
            .ok_or(ApplicationError::NotFound)
    }

    /// Saves one step of the form: its answers and files, checked against the step's rules
    /// (unless kept as a draft) and stored in one transaction, or refused with every problem
    /// and nothing stored.
    pub async fn save_step(
        &self,
        applicant: &Actor,
        reference: &ReferenceNumber,
        step_id: &str,
        input: StepInput,
    ) -> Result<Application, ApplicationError> {
        let (app, sv) = self.editable(applicant, reference).await?;
        let form = &sv.service.form;
        let (_, step) = form.step(step_id).ok_or(ApplicationError::NotFound)?;
        // Only the step's own fields change.
        let changes: Map<String, Value> = input
            .answers
            .into_iter()
            .filter(|(k, _)| {
                step.fields
                    .iter()
                    .any(|f| &f.name == k && f.widget != Widget::File)
            })
            .collect();
        let mut errors: Vec<FieldError> = Vec::new();
        let mut files = Vec::new();
        for upload in input.uploads {
            let Some(f) = step
                .fields
                .iter()
                .find(|f| f.name == upload.field && f.widget == Widget::File)
            else {
                continue;
            };
            match upload.check(&f.accept, f.max_bytes()) {
                Ok(media) => files.push((upload, media)),
                Err(e) => errors.push(e.field_error(&f.name)),
            }
        }
        // The step's rules, against the answers as they would be after this step.
        let mut after = merged(&app.answers, &changes);
        for (u, _) in &files {
            after.insert(u.field.clone(), Value::String("pending-upload".into()));
        }
        if !input.draft {
            let compiled = form
                .compile()
                .map_err(|e| ApplicationError::BrokenForm(e.to_string()))?;
            for e in compiled.validate_fields(&after, &step.fields, &Context::now()) {
                if !errors.iter().any(|x| x.field == e.field) {
                    errors.push(e);
                }
            }
        }
        if !errors.is_empty() {
            return Err(ApplicationError::Invalid(errors));
        }
        let at = now();
        let (app, changes, files) = (&app, &changes, &files);
        self.write(|mut slot| async move {
            let saved = async {
                let mut answers = merged(&app.answers, changes);
                for (upload, media) in files {
                    let doc =
                        ApplicationStore::insert_upload(slot.tx(), app, upload, media, &at).await?;
                    answers.insert(upload.field.clone(), Value::String(doc.id));
                }
                ApplicationStore::write_answers(slot.tx(), app.clone(), answers).await
            }
            .await;
            (slot, saved)
        })
        .await
    }

    /// Submits (or resubmits after correction) the applicant's application: every answer is
    /// checked against the form, the agency's deadline counted and the process started, in one
    /// transaction. Submitting one that is already in changes nothing.
    pub async fn submit(
        &self,
        applicant: &Actor,
        reference: &ReferenceNumber,
    ) -> Result<Application, ApplicationError> {
        self.submit_in_language(applicant, reference, None).await
    }

    /// [`Self::submit`], remembering the language the applicant submits in: the result
    /// document is written in it (with Uzbek beside it).
    pub async fn submit_in_language(
        &self,
        applicant: &Actor,
        reference: &ReferenceNumber,
        locale: Option<Locale>,
    ) -> Result<Application, ApplicationError> {
        let pinfl = applicant_pinfl(applicant)?;
        let (app, sv) = self.for_applicant(pinfl, reference).await?;
        if matches!(app.status, Status::Submitted | Status::InReview) {
            // Pressed twice, or the browser retried: the application is already in.
            return Ok(app);
        }
        let cat = self.catalogue.get().await;
        let terms = Terms {
            form: &sv.service.form,
            calendar: &cat.calendar,
            deadline_working_days: sv.service.passport.deadline_working_days,
            own_process: sv.service.process.is_some(),
            fee: crate::fees::fee_due(
                &cat,
                &sv.service,
                yagona_core::tashkent_date(&yagona_core::now()),
            )?,
            locale,
            identify_by: &sv.service.passport.identify_by,
            on_duplicate: sv.service.passport.on_duplicate.unwrap_or_default(),
        };
        // What can be refused from what was read is refused before the write: a refusal inside
        // a shared commit would cost the writers beside it their work, to be done again.
        if !app.status.editable_by_applicant() {
            return Err(ApplicationError::NotAllowed {
                status: app.status,
                action: Action::Submit,
            });
        }
        let errors = sv
            .service
            .form
            .compile()
            .map_err(|e| ApplicationError::BrokenForm(e.to_string()))?
            .validate(&app.answers, &Context::now());
        if !errors.is_empty() {
            return Err(ApplicationError::Invalid(errors));
        }
        let engine = process::processes(&self.db, &cat.calendar);
        // As read just now: should it have changed since, the submission's guarded update
        // says so (a conflict), and nothing is written.
        let (app_ref, engine, terms) = (&app, &engine, &terms);
        self.write(|mut slot| async move {
            let done =
                ApplicationStore::submit_in(slot.tx(), engine, app_ref, applicant, terms).await;
            (slot, done)
        })
        .await?;
        self.metrics.submitted(&app.service_code);
        self.store()
            .get(reference, Viewer::Applicant(pinfl))
            .await?
            .ok_or(ApplicationError::NotFound)
    }

    /// Files an application in one go: a draft, its answers, the documents its applicant
    /// uploaded before, and its submission — one transaction, so that a refusal at any point
    /// leaves nothing behind.
    pub async fn file(
        &self,
        applicant: &Actor,
        service: &str,
        filing: Filing,
    ) -> Result<Application, ApplicationError> {
        let cat = self.catalogue.get().await;
        let (Some(s), Some(version)) = (cat.service(service), cat.service_version(service)) else {
            return Err(ApplicationError::NoService);
        };
        if !s.passport.online {
            return Err(ApplicationError::NoService);
        }
        if filing.form_version.is_some_and(|v| v != version) {
            return Err(ApplicationError::FormOutdated(format!(
                "{service}@{version}"
            )));
        }
        let draft = Draft {
            applicant,
            service,
            version,
            agency: s.passport.agency.as_str(),
        };
        let terms = Terms {
            form: &s.form,
            calendar: &cat.calendar,
            deadline_working_days: s.passport.deadline_working_days,
            own_process: s.process.is_some(),
            fee: crate::fees::fee_due(&cat, s, yagona_core::tashkent_date(&yagona_core::now()))?,
            locale: None,
            identify_by: &s.passport.identify_by,
            on_duplicate: s.passport.on_duplicate.unwrap_or_default(),
        };
        let mut tries = 0;
        let filed = loop {
            match self
                .file_in(applicant, None, Some(&draft), &filing.answers, &terms)
                .await
            {
                // The number drawn was taken: the whole filing again, with another.
                Err(ApplicationError::Conflict) if tries + 1 < FRESH_NUMBER_TRIES => tries += 1,
                other => break other?,
            }
        };
        self.metrics.submitted(service);
        Ok(filed)
    }

    /// Corrects an application sent back for correction with `changes` on top of its answers,
    /// and sends it again — one transaction.
    pub async fn refile(
        &self,
        applicant: &Actor,
        reference: &ReferenceNumber,
        changes: Map<String, Value>,
    ) -> Result<Application, ApplicationError> {
        let pinfl = applicant_pinfl(applicant)?;
        let (app, sv) = self.for_applicant(pinfl, reference).await?;
        if app.status != Status::Returned {
            return Err(ApplicationError::NotAllowed {
                status: app.status,
                action: Action::Resubmit,
            });
        }
        let cat = self.catalogue.get().await;
        let terms = Terms {
            form: &sv.service.form,
            calendar: &cat.calendar,
            deadline_working_days: sv.service.passport.deadline_working_days,
            own_process: sv.service.process.is_some(),
            fee: crate::fees::fee_due(
                &cat,
                &sv.service,
                yagona_core::tashkent_date(&yagona_core::now()),
            )?,
            locale: None,
            identify_by: &sv.service.passport.identify_by,
            on_duplicate: sv.service.passport.on_duplicate.unwrap_or_default(),
        };
        let answers = merged(&app.answers, &changes);
        let filed = self
            .file_in(applicant, Some(&app), None, &answers, &terms)
            .await?;
        self.metrics.submitted(&app.service_code);
        Ok(filed)
    }

    /// The answers checked whole, the staged documents attached, the application (a new draft,
    /// or `existing`) submitted: one transaction.
    async fn file_in(
        &self,
        applicant: &Actor,
        existing: Option<&Application>,
        draft: Option<&Draft<'_>>,
        answers: &Map<String, Value>,
        terms: &Terms<'_>,
    ) -> Result<Application, ApplicationError> {
        let pinfl = applicant_pinfl(applicant)?;
        let form = terms.form;
        let compiled = form
            .compile()
            .map_err(|e| ApplicationError::BrokenForm(e.to_string()))?;
        let errors = compiled.validate(answers, &Context::now());
        if !errors.is_empty() {
            return Err(ApplicationError::Invalid(errors));
        }
        // Every document must be one this applicant uploaded (or one the application has).
        let store = self.store();
        let mut staged = Vec::new();
        for f in form.steps().iter().flat_map(|s| &s.fields) {
            if f.widget != Widget::File {
                continue;
            }
            let Some(Value::String(id)) = answers.get(&f.name) else {
                continue;
            };
            if existing.is_some_and(|a| a.answers.get(&f.name) == Some(&Value::String(id.clone())))
            {
                continue;
            }
            let upload = store
                .staged(pinfl, id, &f.name)
                .await?
                .ok_or_else(|| ApplicationError::NoStagedDocument(f.name.clone()))?;
            let media = upload
                .check(&f.accept, f.max_bytes())
                .map_err(ApplicationError::Upload)?;
            staged.push((id.clone(), upload, media));
        }
        let at = now();
        let engine = process::processes(&self.db, terms.calendar);
        let (engine, staged) = (&engine, &staged);
        let app = self
            .write(|mut slot| async move {
                let filed = async {
                    let tx = slot.tx();
                    let app = match (existing, draft) {
                        // As the answers were merged from: should it have changed since, the
                        // guarded write of the answers says so, and nothing is written.
                        (Some(a), _) => a.clone(),
                        (None, Some(d)) => ApplicationStore::insert_draft(tx, d, &at).await?,
                        (None, None) => return Err(ApplicationError::NotFound),
                    };
                    let mut filled = answers.clone();
                    for (id, upload, media) in staged {
                        let doc =
                            ApplicationStore::insert_upload(tx, &app, upload, media, &at).await?;
                        filled.insert(upload.field.clone(), Value::String(doc.id));
                        ApplicationStore::unstage(tx, pinfl, id, &upload.field).await?;
                    }
                    let app = ApplicationStore::write_answers(tx, app, filled).await?;
                    ApplicationStore::submit_in(tx, engine, &app, applicant, terms).await?;
                    Ok(app)
                }
                .await;
                (slot, filed)
            })
            .await?;
        store
            .get(&app.reference, Viewer::Applicant(pinfl))
            .await?
            .ok_or(ApplicationError::NotFound)
    }

    /// One write transaction of an operation, shared with the writers queued at the same moment
    /// (group commit on SQLite; a transaction of its own on PostgreSQL). `work` may run more
    /// than once: when another member of its group failed, everything the group wrote was
    /// rolled back, and the work is done again from what it was given.
    async fn write<'s, T, F, Fut>(&'s self, mut work: F) -> Result<T, ApplicationError>
    where
        F: FnMut(Slot<'s>) -> Fut,
        Fut: std::future::Future<Output = (Slot<'s>, Result<T, ApplicationError>)>,
    {
        loop {
            let slot = self.db.join_group().await?;
            let (slot, done) = work(slot).await;
            match slot.finish(done.is_ok()).await? {
                Outcome::Retry => continue,
                Outcome::Committed | Outcome::RolledBack => return done,
            }
        }
    }

    /// The applicant's application, if they may still change it.
    async fn editable(
        &self,
        applicant: &Actor,
        reference: &ReferenceNumber,
    ) -> Result<(Application, Arc<ServiceVersion>), ApplicationError> {
        let found = self
            .for_applicant(applicant_pinfl(applicant)?, reference)
            .await?;
        if !found.0.status.editable_by_applicant() {
            return Err(ApplicationError::NotAllowed {
                status: found.0.status,
                action: Action::Submit,
            });
        }
        Ok(found)
    }

    // ---------------------------------------------------------------------------------------
    // What registers said

    /// The facts registers gave for an application, as pages show them.
    pub async fn fact_summaries(
        &self,
        app: &Application,
        viewer: Viewer<'_>,
        l: Locale,
    ) -> Vec<FactSummary> {
        let (Some(exchange), found) = (&self.exchange, self.facts_of(app, viewer).await) else {
            return Vec::new();
        };
        let cat = self.catalogue.get().await;
        facts::summaries(exchange.as_ref(), &cat.registry.facts, &found, l).await
    }

    /// The fields of `form` whose value in `values` is still what a register said, with the
    /// register's name.
    pub async fn field_sources(
        &self,
        app: &Application,
        form: &FormDefinition,
        values: &Map<String, Value>,
        l: Locale,
    ) -> HashMap<String, String> {
        let Some(exchange) = &self.exchange else {
            return HashMap::new();
        };
        let found = self
            .facts_of(app, Viewer::Applicant(&app.applicant_pinfl))
            .await;
        if found.is_empty() {
            return HashMap::new();
        }
        facts::field_sources(exchange.as_ref(), form, values, &found, l).await
    }

    async fn facts_of(&self, app: &Application, viewer: Viewer<'_>) -> Vec<crate::Fact> {
        self.store()
            .facts(&app.reference, viewer)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "reading an application's facts");
                Vec::new()
            })
    }

    // ---------------------------------------------------------------------------------------
    // Officers

    /// The open tasks offered to the officer's agency, with their applications: the
    /// [`INBOX_PAGE`] with the oldest deadlines.
    pub async fn inbox(
        &self,
        officer: &Actor,
        filter: &InboxFilter,
    ) -> Result<Vec<InboxItem>, ApplicationError> {
        let Actor::Officer {
            user_id, agency, ..
        } = officer
        else {
            return Err(ApplicationError::NotFound);
        };
        let cat = self.catalogue.get().await;
        self.store()
            .inbox(agency, user_id, filter, &cat.calendar, INBOX_PAGE)
            .await
    }

    /// The open tasks of an application that an agency may work.
    pub async fn tasks_for(
        &self,
        app: &Application,
        agency: &str,
    ) -> Result<Vec<UserTask>, ApplicationError> {
        let cat = self.catalogue.get().await;
        self.store().tasks_for(app, agency, &cat.calendar).await
    }

    /// The officer takes a task of their agency: it is theirs until they decide or release it.
    pub async fn take(
        &self,
        officer: &Actor,
        reference: &ReferenceNumber,
        task: &str,
    ) -> Result<Application, ApplicationError> {
        let cat = self.catalogue.get().await;
        self.store()
            .assign(reference, officer, task, &cat.calendar, true)
            .await
    }

    /// The officer gives the task back to the agency's queue.
    pub async fn release(
        &self,
        officer: &Actor,
        reference: &ReferenceNumber,
        task: &str,
    ) -> Result<Application, ApplicationError> {
        let cat = self.catalogue.get().await;
        self.store()
            .assign(reference, officer, task, &cat.calendar, false)
            .await
    }

    /// The form an officer fills on a task besides the decision (the service's own, named by
    /// the task's `formKey`); `None` for the plain review.
    pub async fn task_form(
        &self,
        app: &Application,
        task: &UserTask,
    ) -> Result<Option<FormDefinition>, ApplicationError> {
        match task.form_key.as_deref() {
            None | Some(REVIEW_FORM) => Ok(None),
            Some(key) => {
                let sv = self.service_version(app).await?;
                sv.service
                    .task_forms
                    .get(key)
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| ApplicationError::UnknownTaskForm(key.to_owned()))
            }
        }
    }

    /// An officer's decision on a task of their agency: approve (optionally with the result
    /// document; otherwise the process issues one), reject with a reason, or return for
    /// correction with a comment — with what the task's own form records, checked against it.
    /// Whatever the channel, a decision that breaks a rule is [`ApplicationError::Invalid`]
    /// naming every field, and changes nothing.
    pub async fn decide(
        &self,
        officer: &Actor,
        reference: &ReferenceNumber,
        task: &str,
        decision: Decision,
    ) -> Result<Application, ApplicationError> {
        let cat = self.catalogue.get().await;
        let store = self.store();
        let (app, task) = store
            .officer_task(reference, officer, task, &cat.calendar)
            .await?;
        let mut errors = Vec::new();
        let action = match decision.decision.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(field_error("decision", "required", None));
                None
            }
            Some(d) => Action::parse(d).or_else(|| {
                errors.push(field_error("decision", "enum", None));
                None
            }),
        };
        let comment = decision
            .comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT)
        {
            errors.push(field_error("comment", "maxLength", Some(MAX_COMMENT)));
        }
        if action.is_some_and(Action::needs_comment) && comment.is_none() {
            errors.push(field_error("comment", "required", None));
        }
        match self.task_form(&app, &task).await? {
            Some(form) => {
                let compiled = form
                    .compile()
                    .map_err(|e| ApplicationError::BrokenForm(e.to_string()))?;
                errors.extend(compiled.validate(&decision.data, &Context::now()));
            }
            None => {
                // The plain review records nothing else.
                for k in decision.data.keys() {
                    errors.push(field_error(k, "additionalProperties", None));
                }
            }
        }
        let Some(action) = action.filter(|_| errors.is_empty()) else {
            return Err(ApplicationError::Invalid(errors));
        };
        // An attached result is checked before anything is written: a refused file changes
        // nothing.
        let result = match (action, decision.result) {
            (Action::Approve, Some(upload)) => {
                let media = upload
                    .check(&[RESULT_TYPE.to_owned()], RESULT_MAX_BYTES)
                    .map_err(ApplicationError::Upload)?;
                Some(ResultFile {
                    file_name: upload.clean_name(),
                    media_type: media,
                    bytes: upload.bytes,
                })
            }
            _ => None,
        };
        let done = store
            .complete_task(
                &app,
                &task,
                officer,
                Completion {
                    action,
                    comment,
                    result,
                    variables: decision.data,
                },
                &cat.calendar,
            )
            .await?;
        self.metrics.decided(&done.service_code);
        Ok(done)
    }

    /// Officers' decisions over periods.
    pub async fn statistics(
        &self,
        query: &StatisticsQuery,
    ) -> Result<Statistics, ApplicationError> {
        let cat = self.catalogue.get().await;
        // A service by its code or by its name in any language.
        let service = query.service.as_deref().filter(|s| !s.is_empty()).map(|n| {
            cat.services()
                .iter()
                .find(|s| s.passport.code.as_str() == n || s.passport.name.all().contains(&n))
                .map(|s| s.passport.code.to_string())
                .unwrap_or_else(|| n.to_owned())
        });
        let decisions = self
            .store()
            .decisions(
                service.as_deref(),
                query.operator.as_deref().filter(|s| !s.is_empty()),
                query.agency.as_deref().filter(|s| !s.is_empty()),
            )
            .await?;
        Ok(Statistics {
            service,
            periods: statistics::group(query, &decisions),
        })
    }
}

fn field_error(field: &str, keyword: &str, limit: Option<usize>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        keyword: keyword.to_owned(),
        limit: limit.map(|l| l.to_string()),
        message: None,
    }
}

fn applicant_pinfl(actor: &Actor) -> Result<&Pinfl, ApplicationError> {
    match actor {
        Actor::Applicant { pinfl, .. } => Ok(pinfl),
        _ => Err(ApplicationError::NotFound),
    }
}
