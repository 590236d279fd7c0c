use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use yagona_core::{Code, Fee, I18nText, Stir};
use yagona_forms::FormDefinition;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgencyKind {
    Ministry,
    Committee,
    Agency,
    Inspection,
    Khokimiyat,
    Centre,
    Other,
}

/// A state body that provides services (an exchange *member* in later components).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    pub code: Code,
    pub kind: AgencyKind,
    pub stir: Stir,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub name: I18nText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_name: Option<I18nText>,
}

impl Agency {
    /// The short name where there is one, for lists and tags.
    pub fn display_name(&self) -> &I18nText {
        self.short_name.as_ref().unwrap_or(&self.name)
    }
}

/// A situation in life that groups services ("birth of a child", "starting a business").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeEvent {
    pub code: Code,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    pub name: I18nText,
    pub description: I18nText,
}

/// The base calculation amount (BHM) from a given day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BhmAmount {
    pub from: NaiveDate,
    pub uzs: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Online,
    PublicServiceCentre,
    AgencyOffice,
    MobileApp,
    Post,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Online => "online",
            Channel::PublicServiceCentre => "public-service-centre",
            Channel::AgencyOffice => "agency-office",
            Channel::MobileApp => "mobile-app",
            Channel::Post => "post",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredDocument {
    pub required: bool,
    pub name: I18nText,
}

/// The service passport: what a citizen needs to know before applying.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicePassport {
    pub code: Code,
    pub agency: Code,
    pub life_events: Vec<Code>,
    pub deadline_working_days: u32,
    pub channels: Vec<Channel>,
    #[serde(default = "default_true")]
    pub online: bool,
    /// How surely the applicant must have signed in to apply (the `acr` the identity provider
    /// reports): a password (the default), a one-time code on top, or an e-signature key.
    #[serde(default, skip_serializing_if = "Assurance::is_default")]
    pub assurance: Assurance,
    pub fee: Fee,
    /// Whether a paid fee goes back to the applicant when the application is rejected (the
    /// state duty is returned when the body refuses to act). The refund goes through the
    /// provider that was paid: Payme's cashbox may cancel the payment, Click is asked to
    /// reverse it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refund_if_rejected: bool,
    pub name: I18nText,
    pub description: I18nText,
    pub who_may_apply: I18nText,
    pub legal_basis: I18nText,
    pub result: I18nText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keywords: Option<I18nText>,
    #[serde(default, rename = "document", skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<RequiredDocument>,
    /// The answers that identify the application's subject (for a birth: the child's names,
    /// birth date and the mother's PINFL): an application with the same ones — compared in
    /// one script, case and apostrophes aside — while another is active or approved is a
    /// duplicate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identify_by: Vec<String>,
    /// What a duplicate does: stopped at submission (the default), or let through and
    /// flagged for the officer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_duplicate: Option<OnDuplicate>,
}

/// What happens to an application whose subject has an active or approved one already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDuplicate {
    /// Refused, with an explanation.
    #[default]
    Stop,
    /// Submitted, with a warning for the officer.
    Flag,
}

fn default_true() -> bool {
    true
}

/// Levels of assurance of a sign-in, weakest first; their names are the `acr` values the
/// platform's identity providers report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assurance {
    #[default]
    Password,
    Otp,
    ESignature,
}

impl Assurance {
    pub const ALL: [Assurance; 3] = [Assurance::Password, Assurance::Otp, Assurance::ESignature];

    pub fn code(self) -> &'static str {
        match self {
            Assurance::Password => "password",
            Assurance::Otp => "otp",
            Assurance::ESignature => "e-signature",
        }
    }

    /// The level an `acr` names, if it names one.
    pub fn parse(acr: &str) -> Option<Assurance> {
        Self::ALL.into_iter().find(|a| a.code() == acr)
    }

    fn is_default(&self) -> bool {
        *self == Assurance::Password
    }
}

/// A service: its passport and its application form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub passport: ServicePassport,
    pub form: FormDefinition,
    /// The service's process as BPMN 2.0 XML (`process.bpmn`, process id = service code), run
    /// by the workflow engine for every application; none means the platform's standard review.
    pub process: Option<String>,
    /// DMN files beside the process (`*.dmn`, by file name): the decisions its business-rule
    /// tasks call.
    pub decisions: std::collections::BTreeMap<String, String>,
    /// Forms of the process's user tasks (`forms/<formKey>.schema.json` and `.toml`), by the
    /// `zeebe:formDefinition formKey` that names them: what an officer records at that step.
    pub task_forms: std::collections::BTreeMap<String, FormDefinition>,
    /// What the result document the platform issues says (`result.toml`); none: the
    /// passport's `result` text.
    pub result: Option<ResultTemplate>,
}

/// A service's result document as a template (`result.toml`): a title and rows, each a label
/// in four languages and a value computed in FEEL from the application's process variables
/// when the result is issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultTemplate {
    pub title: I18nText,
    /// The document brings a person into the register (a birth): the platform assigns them a
    /// PINFL when it issues the result, as the variable `assignedPinfl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_pinfl: Option<AssignPinfl>,
    #[serde(rename = "row")]
    pub rows: Vec<ResultRow>,
}

/// Where the person a PINFL is assigned to was born and which sex they are, as FEEL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignPinfl {
    /// `"male"` or `"female"`.
    pub sex: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
}

/// One row of a result document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultRow {
    pub label: I18nText,
    /// FEEL (`=answers.child_given_name`); a row whose value is null or empty is left out. A
    /// context with the four languages as keys gives each language its own text.
    pub value: String,
    #[serde(default, skip_serializing_if = "ValueFormat::is_text")]
    pub format: ValueFormat,
    /// For `format = "option"`: the application form's field whose options name the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// How a row's value is written in each language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueFormat {
    /// As it is.
    #[default]
    Text,
    /// A day (`YYYY-MM-DD`), the way each language writes dates.
    Date,
    /// A moment (RFC 3339), in Tashkent time.
    DateTime,
    /// A code of the form field `field`, as that field's option reads in each language.
    Option,
}

impl ValueFormat {
    fn is_text(&self) -> bool {
        *self == ValueFormat::Text
    }
}

/// A kind of fact the platform asks a state register for instead of asking the applicant
/// ("once only"): a form field with `prefill = "KEY.path"` is filled from the register's answer.
/// Which register answers which fact is data, in `facts.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactSource {
    /// What form fields name it by (`person`, `residence`).
    pub key: Code,
    /// The exchange service that answers, `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`.
    pub service: String,
    /// The path asked, after the service; `{pinfl}` is the applicant's PINFL.
    pub path: String,
    /// What pages show of the answer: lines, each the values at these paths joined by spaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summary: Vec<Vec<String>>,
}

impl FactSource {
    /// The path to ask for the applicant with this PINFL.
    pub fn path_for(&self, pinfl: &str) -> String {
        self.path.replace(FACT_PINFL, pinfl)
    }
}

/// The placeholder in a fact source's path for the applicant's PINFL.
pub const FACT_PINFL: &str = "{pinfl}";

/// The whole registry as read from files or from the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registry {
    pub agencies: Vec<Agency>,
    pub life_events: Vec<LifeEvent>,
    pub bhm: Vec<BhmAmount>,
    pub calendar: Vec<yagona_calendar::YearCalendar>,
    pub services: Vec<Service>,
    pub facts: Vec<FactSource>,
}

impl Registry {
    /// The fact source with this key.
    pub fn fact_source(&self, key: &str) -> Option<&FactSource> {
        self.facts.iter().find(|f| f.key.as_str() == key)
    }

    /// The BHM in force on a day.
    pub fn bhm_on(amounts: &[BhmAmount], day: NaiveDate) -> Option<i64> {
        amounts
            .iter()
            .filter(|a| a.from <= day)
            .max_by_key(|a| a.from)
            .map(|a| a.uzs)
    }
}
