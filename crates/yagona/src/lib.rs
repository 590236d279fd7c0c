//! The `yagona` node: wiring of the components into one process. The binary (`main.rs`) parses
//! the command line; this library holds the steps it composes, so that tests start a node the
//! same way `yagona demo` does.

use anyhow::Context;
use std::path::Path;
use yagona_applications::ApplicationStore;
use yagona_db::Db;
use yagona_identity::{demo, IdentityStore};
use yagona_registry::{files, ImportReport, RegistryStore};

/// The demo registry shipped in the repository, built into the binary.
pub static DEMO_REGISTRY: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../registry");

/// Applies every component's migrations, in dependency order.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    RegistryStore::migrate(db).await?;
    IdentityStore::migrate(db).await?;
    ApplicationStore::migrate(db).await?;
    yagona_workflow::store::ProcessStore::migrate(db).await?;
    Ok(())
}

/// Reads a registry folder and imports it; every problem is reported with file and location.
pub async fn import_registry(db: &Db, dir: &Path) -> anyhow::Result<ImportReport> {
    let reg = files::read_dir(dir).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        anyhow::anyhow!(
            "the registry at {} has {} problem(s):\n{}",
            dir.display(),
            list.len(),
            list.join("\n")
        )
    })?;
    Ok(RegistryStore { db }.import(&reg).await?)
}

/// Writes the built-in demo registry into `dir` and imports it from there.
pub async fn import_demo_registry(db: &Db, dir: &Path) -> anyhow::Result<ImportReport> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    DEMO_REGISTRY
        .extract(dir)
        .with_context(|| format!("writing the demo registry to {}", dir.display()))?;
    import_registry(db, dir).await
}

/// The demo identity provider's people: citizens, one officer per agency, an administrator.
pub async fn seed_demo_people(db: &Db) -> anyhow::Result<()> {
    let store = IdentityStore { db };
    let registry = RegistryStore { db }.load().await?;
    let agencies: Vec<&str> = registry.agencies.iter().map(|a| a.code.as_str()).collect();
    for u in demo::citizens()
        .into_iter()
        .chain(demo::officers(agencies))
        .chain([demo::admin()])
    {
        store.upsert_user(&u).await?;
    }
    Ok(())
}

/// A few applications in different states, made through the same code paths as the portal and
/// the officers' pages, so that a first look at the demo shows a working queue. Only when the
/// database has no applications yet.
pub async fn seed_demo_applications(db: &Db) -> anyhow::Result<()> {
    use serde_json::{json, Value};
    use yagona_applications::{result_context, Action, Actor, Decision};

    let store = ApplicationStore { db };
    let existing: i64 = yagona_db::sqlx::query_scalar("SELECT COUNT(*) FROM applications")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let catalogue = RegistryStore { db }.catalogue().await?;
    let people = IdentityStore { db }.users_of(demo::IDP).await?;
    let citizen = |pinfl: &str| {
        let u = people
            .iter()
            .find(|u| u.subject == pinfl)
            .expect("demo citizen");
        Actor::Applicant {
            pinfl: pinfl.to_owned(),
            name: u.name.clone(),
        }
    };
    let officer = |agency: &str| {
        people
            .iter()
            .find(|u| u.agency.as_deref() == Some(agency))
            .map(|u| Actor::Officer {
                user_id: u.id.clone(),
                name: u.name.clone(),
                agency: agency.to_owned(),
            })
    };
    let cases: [(&str, &str, Value, Option<(Action, Option<&str>)>); 4] = [
        (
            demo::CITIZENS[1].0,
            "no-criminal-record-certificate",
            json!({"purpose": "visa", "purpose_details": "Germaniyaga ishchi vizasi uchun", "language": "en", "phone": "+998901234567"}),
            None,
        ),
        (
            demo::CITIZENS[2].0,
            "sole-proprietor-registration",
            json!({"activity_type": "crafts", "activity_description": "Milliy kashtachilik (soʻzana) buyumlarini tikish va sotish",
                   "region": "samarkand", "business_address": "Samarqand shahri, Registon koʻchasi, 12-uy", "tax_regime": "fixed", "phone": "+998935551122"}),
            Some((Action::Take, None)),
        ),
        (
            demo::CITIZENS[0].0,
            "tax-debt-certificate",
            json!({"taxpayer_kind": "self", "purpose": "bank-loan", "language": "uz"}),
            Some((Action::Approve, None)),
        ),
        (
            demo::CITIZENS[1].0,
            "kindergarten-enrolment",
            json!({"child_pinfl": "52203200110045", "desired_start_date": "2027-09-01", "region": "tashkent-city", "district": "Yunusobod tumani",
                   "group_language": "uz", "priority_category": "none"}),
            Some((Action::Return, Some("Istalgan bogʻchani aniq koʻrsating: tumandagi 3 ta bogʻchada boʻsh oʻrin bor (12-, 47- va 305-son DMTT)."))),
        ),
    ];
    for (pinfl, code, answers, decision) in cases {
        let (Some(service), Some(version)) =
            (catalogue.service(code), catalogue.service_version(code))
        else {
            continue;
        };
        let applicant = citizen(pinfl);
        let app = store
            .create_draft(&applicant, code, version, service.passport.agency.as_str())
            .await?;
        let Value::Object(answers) = answers else {
            continue;
        };
        store
            .save_answers(&app.reference, &applicant, answers)
            .await?;
        store
            .submit(
                &app.reference,
                &applicant,
                &service.form,
                &catalogue.calendar,
                service.passport.deadline_working_days,
            )
            .await
            .with_context(|| format!("demo application for {code}"))?;
        if let (Some((action, comment)), Some(officer)) =
            (decision, officer(service.passport.agency.as_str()))
        {
            let agency = catalogue
                .agency(service.passport.agency.as_str())
                .map(|a| &a.name);
            let context = Some(result_context(
                &service.passport.name,
                agency,
                &service.passport.result,
            ));
            store
                .decide(
                    &app.reference,
                    &officer,
                    Decision {
                        action,
                        comment: comment.map(str::to_owned),
                        result: None,
                        context,
                    },
                )
                .await?;
        }
    }
    Ok(())
}
