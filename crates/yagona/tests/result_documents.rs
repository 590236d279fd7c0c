//! Result documents, black-box over HTTP on both databases: an approved birth registration's
//! certificate says what it must in the citizen's language with Uzbek beside it, is small,
//! signed (poppler's `pdfsig`) and carries a QR code (`pdftoppm` + `zbarimg`) leading to its
//! public verification page; the page says valid, revoked or replaced and checks copies byte for
//! byte; the cabinet keeps each citizen's own results, shared through links that end.
//!
//! Without poppler-utils and zbar-tools the checks of the PDF's text, signature and QR code are
//! skipped with a note; under CI (`CI` set) they fail instead (`.ci/run` installs them).

mod common;
use common::*;
use reqwest::StatusCode;
use std::process::Command;

on_both_databases!(
    an_approved_birth_registration_gives_a_signed_certificate_anyone_can_verify,
    an_officer_of_the_issuing_agency_revokes_or_replaces_a_result,
    the_cabinet_keeps_ones_own_results_and_shares_them_until_the_link_ends,
);

/// Whether the command-line tools are here; under CI their absence is a failure.
fn tools(names: &[&str]) -> bool {
    let missing: Vec<&&str> = names
        .iter()
        .filter(|n| {
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {n}"))
                .output()
                .map(|o| !o.status.success())
                .unwrap_or(true)
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("CI is set but {missing:?} are missing: .ci/run must install poppler-utils and zbar-tools");
    }
    eprintln!("skipping the PDF checks: install Debian's poppler-utils and zbar-tools ({missing:?} missing)");
    false
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A citizen (in `language`) applies for a birth registration, the civil registry approves it
/// and the platform issues the result; returns (reference, document number, PDF address).
async fn approved_birth_registration(
    app: &TestApp,
    citizen: &mut Browser,
    language: &str,
) -> (String, String, String) {
    citizen.accept_language = language.into();
    let reference = apply_for_birth_registration(citizen).await;
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    let staff_page = format!("/staff/applications/{reference}");
    let p = officer
        .submit(
            &staff_page,
            &format!("{staff_page}/decision"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    app.run_engine().await;
    let (number, document): (String, String) = sqlx::query_as(
        "SELECT r.number, r.document_id FROM result_documents r JOIN applications a ON a.id = r.application_id WHERE a.reference = $1",
    )
    .bind(&reference)
    .fetch_one(&app.db.pool)
    .await
    .expect("the result is issued and numbered");
    assert!(number.starts_with("YD-"), "{number}");
    (reference, number, format!("/documents/{document}"))
}

async fn an_approved_birth_registration_gives_a_signed_certificate_anyone_can_verify(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let (reference, number, file) =
        approved_birth_registration(&app, &mut citizen, "ru-RU,ru;q=0.9").await;

    // The citizen's cabinet lists it; the PDF downloads and is small.
    let cabinet = citizen.get("/documents").await;
    assert_eq!(cabinet.status, StatusCode::OK);
    assert!(cabinet.contains(&number), "{}", cabinet.body);
    assert!(cabinet.contains("Свидетельство о рождении"));
    let pdf = citizen.get(&file).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert!(
        pdf.bytes.len() < 300 * 1024,
        "a one-page result weighs {} bytes",
        pdf.bytes.len()
    );
    // The application's page leads to the cabinet.
    assert!(citizen
        .get(&format!("/applications/{reference}"))
        .await
        .contains("Мои документы"));

    let issued_at: String =
        sqlx::query_scalar("SELECT issued_at FROM result_documents WHERE number = $1")
            .bind(&number)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let issued = yagona_core::parse_timestamp(&issued_at).unwrap();
    let tashkent_time = &yagona_core::tashkent_display(&issued)[11..16];
    let verify_url = format!(
        "{}/verify/{number}",
        app.address.replace("127.0.0.1", "localhost")
    );

    if tools(&["pdftotext", "pdfsig", "pdftoppm", "zbarimg"]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("result.pdf");
        std::fs::write(&path, &pdf.bytes).unwrap();
        let path = path.to_str().unwrap();

        // What it says: in Russian with Uzbek beside it, dates as each language writes them,
        // the time in Tashkent.
        let text = run("pdftotext", &["-layout", path, "-"]);
        // The child was born ten days ago (`fill_birth_registration`).
        let born = yagona_core::tashkent_date(&yagona_core::now()) - chrono::Days::new(10);
        let born_ru = app.node.i18n.date(yagona_core::Locale::Ru, born);
        let born_uz = app.node.i18n.date(yagona_core::Locale::Uz, born);
        let pinfl_head = format!("5{}", born.format("%d%m%y"));
        for expected in [
            "Свидетельство о рождении",
            "Tugʻilganlik haqidagi guvohnoma",
            "Karimov Temur",
            born_ru.as_str(),
            born_uz.as_str(),
            "Toshkent shahar 1-son tugʻruqxonasi",
            "город Ташкент",
            "Toshkent shahri",
            "Dilnoza Karimova, ПИНФЛ 31505901234567",
            "ПИНФЛ 30912850420017",
            "ПИНФЛ, присвоенный ребёнку",
            pinfl_head.as_str(),
            "ташкентское время",
            tashkent_time,
            &number,
            &reference,
        ] {
            assert!(
                text.contains(expected),
                "the certificate lacks {expected:?}:\n{text}"
            );
        }

        // The agency's signature, over the whole file.
        let sig = run("pdfsig", &[path]);
        assert!(sig.contains("ETSI.CAdES.detached"), "{sig}");
        assert!(sig.contains("Signature is Valid"), "{sig}");
        assert!(sig.contains("Total document signed"), "{sig}");

        // The QR code leads to the verification page.
        let png = dir.path().join("page");
        run(
            "pdftoppm",
            &["-r", "150", "-png", path, png.to_str().unwrap()],
        );
        let image = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == "png"))
            .expect("pdftoppm drew the page");
        let decoded = run("zbarimg", &["-q", "--raw", image.to_str().unwrap()]);
        assert_eq!(
            decoded.lines().next().unwrap_or(""),
            verify_url,
            "{decoded}"
        );
    }

    // Anyone checks it by its number: valid, the agency, the holder's name masked, no PINFL.
    let mut stranger = app.client();
    let page = stranger.get(&format!("/verify/{number}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("This document is valid"), "{}", page.body);
    assert!(page.contains("D****** K*******"), "{}", page.body);
    assert!(page.contains("Civil Registry"));
    assert!(!page.contains("31505901234567") && !page.contains("Dilnoza"));
    // Typed in lower case with spaces, the form finds it.
    let typed = stranger
        .get(&format!(
            "/verify?number={}",
            urlencode(&number.to_lowercase().replace('-', " "))
        ))
        .await;
    assert_eq!(
        typed.location.as_deref(),
        Some(format!("/verify/{number}").as_str())
    );

    // The copy it was given is the issued document; a changed copy is not; not a PDF is refused.
    let check = |bytes: Vec<u8>, name: &'static str| {
        let number = number.clone();
        let mut stranger = app.client();
        async move {
            let token = stranger.get(&format!("/verify/{number}")).await.csrf();
            stranger
                .post_multipart(
                    &format!("/verify/{number}"),
                    vec![
                        Part::Text("csrf_token", &token),
                        Part::File("document", name, bytes),
                    ],
                )
                .await
        }
    };
    let same = check(pdf.bytes.clone(), "certificate.pdf").await;
    assert_eq!(same.status, StatusCode::OK);
    assert!(
        same.contains("exactly the document that was issued"),
        "{}",
        same.body
    );
    let mut changed = pdf.bytes.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x20;
    let other = check(changed, "certificate.pdf").await;
    assert!(
        other.contains("is not the document that was issued"),
        "{}",
        other.body
    );
    let not_pdf = check(b"GIF89a not a pdf at all".to_vec(), "photo.gif").await;
    assert_eq!(not_pdf.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(not_pdf.contains("The file must be a PDF"));
    // Without the page's token, nothing is checked.
    let forged = stranger
        .post_multipart(
            &format!("/verify/{number}"),
            vec![Part::File("document", "c.pdf", pdf.bytes.clone())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // A number that is not one, and one nobody issued: a clear error, a 404, never a 500.
    let bad = stranger.get("/verify?number=hello").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("Enter the number as printed"));
    let unknown = stranger.get("/verify/YD-AAAA-AAAA").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.contains("No document has this number"));
    assert_eq!(
        stranger.get("/verify/not-a-number").await.status,
        StatusCode::NOT_FOUND
    );
    let ru = {
        let mut c = app.client();
        c.accept_language = "ru".into();
        c.get("/verify/YD-AAAA-AAAA").await
    };
    assert!(ru.contains("Документа с таким номером нет"));
}

async fn an_officer_of_the_issuing_agency_revokes_or_replaces_a_result(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let (reference, number, _) = approved_birth_registration(&app, &mut citizen, "en").await;
    let staff_page = format!("/staff/applications/{reference}");
    let action = format!("{staff_page}/results/{number}");
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    assert!(officer.get(&staff_page).await.contains(&number));

    // Another agency's officer cannot reach it; a citizen cannot either.
    let mut interior = app.signed_in(INTERIOR_OFFICER).await;
    let token = interior.get("/staff/applications").await.csrf();
    let p = interior
        .post(
            &action,
            &[
                ("csrf_token", &token),
                ("action", "revoke"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // A reason is required; without one nothing changes.
    let p = officer
        .submit(
            &staff_page,
            &action,
            &[("action", "revoke"), ("reason", "  ")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("Give the reason"));
    assert!(app
        .client()
        .get(&format!("/verify/{number}"))
        .await
        .contains("This document is valid"));

    // Replaced: the old number points to the new one, which is valid and signed.
    let p = officer
        .submit(
            &staff_page,
            &action,
            &[
                ("action", "supersede"),
                ("reason", "Bolaning ismi xato yozilgan"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let old = app.client().get(&format!("/verify/{number}")).await;
    assert!(old.contains("This document was replaced"), "{}", old.body);
    assert!(old.contains("Bolaning ismi xato yozilgan"));
    let old_text = old.text();
    let start = old_text
        .find("id=\"superseded-by\" href=\"/verify/")
        .expect("a link to the new one")
        + "id=\"superseded-by\" href=\"/verify/".len();
    let new_number = old_text[start..start + 12].to_owned();
    assert_ne!(new_number, number);
    let new = app.client().get(&format!("/verify/{new_number}")).await;
    assert!(new.contains("This document is valid"), "{}", new.body);
    assert!(new.contains("Signed by the issuing agency"));
    // Both are in the citizen's cabinet; the history names who did it.
    let cabinet = citizen.get("/documents").await;
    assert!(cabinet.contains(&number) && cabinet.contains(&new_number));
    let history = citizen.get(&format!("/applications/{reference}")).await;
    assert!(
        history.contains("Result document replaced"),
        "{}",
        history.body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM application_events WHERE action = 'document-supersede' AND actor_name = 'Nodira Xolmatova'")
            .await,
        1
    );

    // A replaced result cannot be changed again; the new one is revoked at once.
    let p = officer
        .submit(
            &staff_page,
            &action,
            &[("action", "revoke"), ("reason", "again")],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    let p = officer
        .submit(
            &staff_page,
            &format!("{staff_page}/results/{new_number}"),
            &[
                ("action", "revoke"),
                ("reason", "Ariza beruvchi vakolatli emas"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let revoked = app.client().get(&format!("/verify/{new_number}")).await;
    assert!(
        revoked.contains("This document was revoked"),
        "{}",
        revoked.body
    );
    assert!(revoked.contains("Ariza beruvchi vakolatli emas"));

    // A replacement the officer attaches must be a PDF.
    let mut other_citizen = app.signed_in(CITIZEN_B).await;
    let (reference, number, _) = approved_birth_registration(&app, &mut other_citizen, "en").await;
    let staff_page = format!("/staff/applications/{reference}");
    let token = officer.get(&staff_page).await.csrf();
    let p = officer
        .post_multipart(
            &format!("{staff_page}/results/{number}"),
            vec![
                Part::Text("csrf_token", &token),
                Part::Text("action", "supersede"),
                Part::Text("reason", "Qogʻozdagi nusxa"),
                Part::File("replacement", "scan.gif", b"GIF89a....".to_vec()),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A replacement over the result's limit (10 MB): the officer's page again, saying so.
    let token = officer.get(&staff_page).await.csrf();
    let mut big = pdf("signed paper copy");
    big.resize(10 * 1024 * 1024 + 1, b' ');
    let p = officer
        .post_multipart(
            &format!("{staff_page}/results/{number}"),
            vec![
                Part::Text("csrf_token", &token),
                Part::Text("action", "supersede"),
                Part::Text("reason", "Qogʻozdagi nusxa"),
                Part::File("replacement", "scan.pdf", big),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", p.body);
    assert!(p.body.contains(&reference), "the application's page again");
    assert!(p.body.contains("govuk-error-summary"), "{}", p.body);
    assert!(app
        .client()
        .get(&format!("/verify/{number}"))
        .await
        .contains("This document is valid"));
    let p = officer
        .post_multipart(
            &format!("{staff_page}/results/{number}"),
            vec![
                Part::Text("csrf_token", &token),
                Part::Text("action", "supersede"),
                Part::Text("reason", "Qogʻozdagi nusxa"),
                Part::File("replacement", "scan.pdf", pdf("signed paper copy")),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(app
        .client()
        .get(&format!("/verify/{number}"))
        .await
        .contains("This document was replaced"));
    // The replacement is the platform's signed, numbered sheet carrying the officer's PDF:
    // readers list it as an attachment, byte for byte the officer's file, under the signature.
    let (replacement, file): (String, String) =
        sqlx::query_as("SELECT number, document_id FROM result_documents WHERE supersedes = $1")
            .bind(&number)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    let signed = other_citizen.get(&format!("/documents/{file}")).await;
    assert_eq!(signed.status, StatusCode::OK);
    if tools(&["pdftotext", "pdfsig", "pdfdetach"]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("replacement.pdf");
        std::fs::write(&path, &signed.bytes).unwrap();
        let path = path.to_str().unwrap();
        let text = run("pdftotext", &["-layout", path, "-"]);
        assert!(text.contains(&replacement), "{text}");
        assert!(text.contains("scan.pdf"), "{text}");
        let sig = run("pdfsig", &[path]);
        assert!(sig.contains("Signature is Valid"), "{sig}");
        assert!(sig.contains("Total document signed"), "{sig}");
        let listed = run("pdfdetach", &["-list", path]);
        assert!(listed.contains("1 embedded files"), "{listed}");
        assert!(listed.contains("scan.pdf"), "{listed}");
        let out = dir.path().join("annex.pdf");
        run(
            "pdfdetach",
            &["-save", "1", "-o", out.to_str().unwrap(), path],
        );
        assert_eq!(std::fs::read(&out).unwrap(), pdf("signed paper copy"));
    }
    // Replaced once more without a file, the result still carries it.
    let p = officer
        .submit(
            &staff_page,
            &format!("{staff_page}/results/{replacement}"),
            &[("action", "supersede"), ("reason", "Sana xato")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let carried: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM result_documents r JOIN documents d ON d.id = r.annex_document_id WHERE r.supersedes = $1 AND d.file_name = 'scan.pdf'",
    )
    .bind(&replacement)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(carried, 1);
}

async fn the_cabinet_keeps_ones_own_results_and_shares_them_until_the_link_ends(app: TestApp) {
    let mut a = app.signed_in(CITIZEN_A).await;
    let (_, number, file) = approved_birth_registration(&app, &mut a, "en").await;
    let mut b = app.signed_in(CITIZEN_B).await;
    b.accept_language = "en".into();

    // Another citizen sees none of it.
    let theirs = b.get("/documents").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.contains(&number));
    assert!(theirs.contains("No result has been issued to you yet"));
    assert_eq!(
        b.get(&format!("/documents/{number}/share")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(b.get(&file).await.status, StatusCode::NOT_FOUND);
    // Signed out, the cabinet asks to sign in.
    assert!(app
        .client()
        .get("/documents")
        .await
        .location
        .unwrap_or_default()
        .starts_with("/sign-in"));

    // A link for a week; a stranger sees the verification page and downloads the PDF.
    let page = format!("/documents/{number}/share");
    let refused = a.submit(&page, &page, &[("days", "3")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("Choose how long the link may be used"));
    let created = a.submit(&page, &page, &[("days", "7")]).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let text = created.text();
    let start = text
        .find("id=\"share-link\" href=\"")
        .expect("the link is shown")
        + "id=\"share-link\" href=\"".len();
    let link = text[start..start + text[start..].find('"').unwrap()].to_owned();
    let link = a.local(&link);
    let mut stranger = app.client();
    let shared = stranger.get(&link).await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    assert!(shared.contains("This document is valid") && shared.contains(&number));
    let download = stranger.get(&format!("{link}/file")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, a.get(&file).await.bytes);
    // Only the link's hash is kept.
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM result_shares WHERE token_hash = '{token}'"
        ))
        .await,
        0
    );

    // Withdrawn: the link opens nothing.
    let listing = a.get(&page).await.text();
    let at = listing.find("/shares/").expect("the link is listed") + "/shares/".len();
    let share_id = listing[at..at + 36].to_owned();
    let withdrawn = a
        .submit(
            &page,
            &format!("/documents/{number}/shares/{share_id}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(stranger.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        stranger.get(&format!("{link}/file")).await.status,
        StatusCode::NOT_FOUND
    );
    // Another citizen cannot withdraw A's links.
    let token_b = b.get("/documents").await.csrf();
    let p = b
        .post(
            &format!("/documents/{number}/shares/{share_id}/withdraw"),
            &[("csrf_token", &token_b)],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);

    // A day's link works until its day is over.
    let created = a.submit(&page, &page, &[("days", "1")]).await.text();
    let start =
        created.find("id=\"share-link\" href=\"").unwrap() + "id=\"share-link\" href=\"".len();
    let link = a.local(&created[start..start + created[start..].find('"').unwrap()]);
    assert_eq!(stranger.get(&link).await.status, StatusCode::OK);
    sqlx::query("UPDATE result_shares SET expires_at = $1 WHERE withdrawn_at IS NULL")
        .bind("2020-01-01T00:00:00.000000Z")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let expired = stranger.get(&link).await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);
    assert!(expired.contains("This link has expired or was withdrawn"));
    assert_eq!(
        stranger.get("/shared/not-a-token").await.status,
        StatusCode::NOT_FOUND
    );
    // The history records the sharing.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM application_events WHERE action = 'document-share'")
            .await,
        2
    );
}
