//! The registry as files: validation with locations, idempotent import, export→import round trip.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;
use yagona_registry::{files, RegistryStore};

on_both_databases!(
    import_is_idempotent_and_export_round_trips,
    a_changed_service_gets_a_new_version_and_old_applications_keep_theirs
);

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

async fn import_is_idempotent_and_export_round_trips(app: TestApp) {
    let store = RegistryStore { db: &app.db };
    let version = store.version().await.unwrap();
    // The harness imported the demo registry once; a second import changes nothing.
    let again = yagona::import_registry(&app.db, &registry_dir())
        .await
        .unwrap();
    assert!(!again.changed_anything(), "{again:?}");
    assert_eq!(store.version().await.unwrap(), version);

    let out = tempfile::tempdir().unwrap();
    files::write_dir(&store.load().await.unwrap(), out.path()).unwrap();
    let exported = files::read_dir(out.path()).expect("an export is a valid registry");
    let original = files::read_dir(&registry_dir()).unwrap();
    assert_eq!(exported.services.len(), original.services.len());
    assert_eq!(
        exported,
        store.load().await.unwrap(),
        "export reads back to the same registry"
    );
    // The contact point's topics and knowledge base too.
    let contact = yagona_contact::topics::TopicStore { db: &app.db };
    let held = contact.load().await.unwrap();
    assert!(!held.answers.is_empty());
    yagona_contact::topics::write_dir(&held, out.path()).unwrap();
    let agencies = original
        .agencies
        .iter()
        .map(|a| a.code.as_str().to_owned())
        .collect();
    let services = original
        .services
        .iter()
        .map(|s| s.passport.code.as_str().to_owned())
        .collect();
    let read = yagona_contact::topics::read_dir(out.path(), &agencies, &services).unwrap();
    assert_eq!(
        read, held,
        "the contact files read back to what the database holds"
    );
    assert!(
        !contact.import(&read).await.unwrap(),
        "re-importing changes nothing"
    );
    let reimport = yagona::import_registry(&app.db, out.path()).await.unwrap();
    assert!(
        !reimport.changed_anything(),
        "importing the export changes nothing: {reimport:?}"
    );
}

async fn a_changed_service_gets_a_new_version_and_old_applications_keep_theirs(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = apply_for_birth_registration(&mut citizen).await;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&registry_dir(), dir.path());
    let passport = dir.path().join("services/birth-registration/passport.toml");
    let text = std::fs::read_to_string(&passport)
        .unwrap()
        .replace("deadline_working_days = 1", "deadline_working_days = 2");
    std::fs::write(&passport, text).unwrap();
    std::fs::remove_dir_all(dir.path().join("services/medical-certificate-086")).unwrap();
    let report = yagona::import_registry(&app.db, dir.path()).await.unwrap();
    assert_eq!(report.services_published, 1);
    assert_eq!(report.services_withdrawn, 1);
    let versions: i64 = app
        .count("SELECT COUNT(*) FROM registry_service_versions WHERE code = 'birth-registration'")
        .await;
    assert_eq!(versions, 2);
    let app_version: i64 =
        sqlx::query_scalar("SELECT service_version FROM applications WHERE reference = $1")
            .bind(&reference)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        app_version, 1,
        "the application stays on the version it was made under"
    );
    let catalogue = RegistryStore { db: &app.db }.catalogue().await.unwrap();
    assert!(
        catalogue.service("medical-certificate-086").is_none(),
        "a withdrawn service leaves the catalogue"
    );
    assert_eq!(catalogue.service_version("birth-registration"), Some(2));
}

fn yagona(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .expect("yagona runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn contact_topics_and_answers_are_checked_with_their_locations() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&registry_dir(), dir.path());
    let topics = dir.path().join("contact/topics.toml");
    let text = std::fs::read_to_string(&topics).unwrap();
    std::fs::write(
        &topics,
        text.replacen("agency = \"tax\"", "agency = \"ministry-of-magic\"", 1)
            .replacen("en = \"Public Service Centres\"", "en = \"\"", 1),
    )
    .unwrap();
    let answers = dir.path().join("contact/answers.toml");
    let text = std::fs::read_to_string(&answers).unwrap();
    std::fs::write(
        &answers,
        text.replacen(
            "service = \"kindergarten-enrolment\"",
            "service = \"no-such-service\"",
            1,
        )
        .replacen(
            "topic = \"portal-and-sign-in\"",
            "topic = \"no-such-topic\"",
            1,
        ),
    )
    .unwrap();
    let (ok, out) = yagona(&["registry", "validate", dir.path().to_str().unwrap()]);
    assert!(!ok, "{out}");
    for expected in [
        "contact/topics.toml:topic[3].agency: no agency ministry-of-magic in the registry",
        "contact/topics.toml:topic[0].name.en: the text is empty",
        "contact/answers.toml:answer[2].service: no service no-such-service in the registry",
        "contact/answers.toml:answer[5].topic: no topic no-such-topic in contact/topics.toml",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    // A syntax error is located by line and column.
    std::fs::write(&answers, "[[answer]]\ncode = \"x\"\nservice = \n").unwrap();
    let (ok, out) = yagona(&["registry", "validate", dir.path().to_str().unwrap()]);
    assert!(!ok);
    assert!(out.contains("contact/answers.toml:3:"), "{out}");
}

#[test]
fn validate_reports_every_problem_with_its_file_and_location() {
    let (ok, out) = yagona(&["registry", "validate", registry_dir().to_str().unwrap()]);
    assert!(ok, "the demo registry is valid: {out}");
    assert!(out.contains("20 services"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    copy_dir(&registry_dir(), dir.path());
    let svc = dir.path().join("services/birth-registration");
    // A syntax error, a missing translation, an unknown agency and a form that disagrees with its schema.
    let passport = std::fs::read_to_string(svc.join("passport.toml")).unwrap();
    let broken = passport.replacen(
        "agency = \"civil-registry\"",
        "agency = \"no-such-agency\"",
        1,
    );
    std::fs::write(svc.join("passport.toml"), broken).unwrap();
    let form = std::fs::read_to_string(svc.join("form.toml")).unwrap();
    std::fs::write(
        svc.join("form.toml"),
        form.replacen(
            "name = \"child_surname\"",
            "name = \"child_surname_typo\"",
            1,
        ),
    )
    .unwrap();
    let life = dir.path().join("life-events.toml");
    let text = std::fs::read_to_string(&life).unwrap();
    let ru_line = text
        .lines()
        .find(|l| l.starts_with("ru = "))
        .unwrap()
        .to_owned();
    std::fs::write(&life, text.replacen(&ru_line, "ru = \"\"", 1)).unwrap();
    let cal = dir.path().join("calendar/2026.toml");
    std::fs::write(
        &cal,
        "year = 2026\nweek = \"five-day\"\n[[holiday]]\ndate = \"2026-13-01\"\n",
    )
    .unwrap();

    // A process under another id, and a process file cut short.
    let bpmn = std::fs::read_to_string(svc.join("process.bpmn")).unwrap();
    std::fs::write(
        svc.join("process.bpmn"),
        bpmn.replacen(
            "id=\"birth-registration\"",
            "id=\"birth-registration-v2\"",
            1,
        ),
    )
    .unwrap();
    let cut = dir.path().join("services/cadastral-extract/process.bpmn");
    let text = std::fs::read_to_string(&cut).unwrap();
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();

    // A business-rule task whose decision file is missing, and a broken decision table.
    std::fs::remove_file(
        dir.path()
            .join("services/low-income-family-benefit/income-assessment.dmn"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("services/birth-allowance/rules.dmn"),
        "<definitions xmlns=\"https://www.omg.org/spec/DMN/20191111/MODEL/\">\n<decision id=\"d\">\n<decisionTable hitPolicy=\"PRIORITY\"><output name=\"x\"/></decisionTable></decision></definitions>",
    )
    .unwrap();

    let (ok, out) = yagona(&["registry", "validate", dir.path().to_str().unwrap()]);
    assert!(!ok, "problems make the command fail");
    assert!(
        out.contains("which no .dmn file of the service defines"),
        "{out}"
    );
    assert!(
        out.contains(
            "services/birth-allowance/rules.dmn:line 3: hit policy PRIORITY is not supported"
        ),
        "{out}"
    );
    assert!(
        out.contains("services/birth-registration/process.bpmn:process: no executable process with id \"birth-registration\""),
        "{out}"
    );
    assert!(
        out.contains("services/cadastral-extract/process.bpmn:line "),
        "a broken process names its line: {out}"
    );
    assert!(
        out.contains(
            "services/birth-registration/passport.toml:agency: no agency \"no-such-agency\""
        ),
        "{out}"
    );
    assert!(out.contains("services/birth-registration/form.toml:step[0].field[0] (child_surname_typo): the schema has no property"), "{out}");
    assert!(out.contains("services/birth-registration/form.schema.json:schema: property \"child_surname\" is not shown in any step"), "{out}");
    assert!(
        out.contains("life-events.toml:life_event[0].name.ru: text is missing in this language"),
        "{out}"
    );
    assert!(
        out.contains("calendar/2026.toml:4:"),
        "syntax and type errors name line and column: {out}"
    );
    assert!(out.contains("problem(s) found"));
}

#[test]
fn cli_import_twice_then_export_and_import_again() {
    let data = tempfile::tempdir().unwrap();
    let data_arg = data.path().to_str().unwrap();
    let reg = registry_dir();
    let (ok, out) = yagona(&[
        "registry",
        "import",
        reg.to_str().unwrap(),
        "--data",
        data_arg,
    ]);
    assert!(ok && out.contains("20 services published"), "{out}");
    let (ok, out) = yagona(&[
        "registry",
        "import",
        reg.to_str().unwrap(),
        "--data",
        data_arg,
    ]);
    assert!(ok && out.contains("nothing to change"), "{out}");
    let export = data.path().join("export");
    let (ok, out) = yagona(&[
        "registry",
        "export",
        export.to_str().unwrap(),
        "--data",
        data_arg,
    ]);
    assert!(ok && out.contains("exported 20 services"), "{out}");
    let (ok, out) = yagona(&[
        "registry",
        "import",
        export.to_str().unwrap(),
        "--data",
        data_arg,
    ]);
    assert!(ok && out.contains("nothing to change"), "{out}");
    // A fresh database from the export exports the very same files.
    let second = tempfile::tempdir().unwrap();
    let (ok, _) = yagona(&[
        "registry",
        "import",
        export.to_str().unwrap(),
        "--data",
        second.path().to_str().unwrap(),
    ]);
    assert!(ok);
    let export2 = second.path().join("export");
    yagona(&[
        "registry",
        "export",
        export2.to_str().unwrap(),
        "--data",
        second.path().to_str().unwrap(),
    ]);
    let a = std::fs::read_to_string(export.join("services/birth-registration/form.toml")).unwrap();
    let b = std::fs::read_to_string(export2.join("services/birth-registration/form.toml")).unwrap();
    assert_eq!(a, b);
}
