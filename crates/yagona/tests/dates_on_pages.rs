//! One date format per language: no page shows a day as it is stored (`2026-11-27`) or a
//! moment in UTC. Every page people reach with the demo's data is read, as each kind of user,
//! in each language, and its visible text (tags and attributes left out) is searched.

mod common;

use common::*;

/// The visible text of a page: what is between its tags, scripts and styles left out.
fn visible(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        let skip_to = ["<script", "<style"]
            .iter()
            .find(|t| tag.starts_with(**t))
            .map(|t| format!("</{}", &t[1..]));
        let end = match skip_to {
            Some(close) => tag.find(&close).unwrap_or(tag.len()),
            None => 0,
        };
        let after = &tag[end..];
        rest = after.find('>').map_or("", |i| &after[i + 1..]);
    }
    out.push_str(rest);
    out
}

/// A `YYYY-MM-DD` in the text, if there is one.
fn stored_day(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let w = &b[i..i + 10];
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        let before = i.checked_sub(1).map(|j| b[j]);
        (digits(0..4)
            && w[4] == b'-'
            && digits(5..7)
            && w[7] == b'-'
            && digits(8..10)
            && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-'))
        .then(|| &text[i..i + 10])
    })
}

async fn no_page_shows_a_day_as_it_is_stored(app: TestApp) {
    yagona::seed_demo_applications(&app.db, &app.node.issuer)
        .await
        .unwrap();
    yagona::seed_demo_appeals(&app.db).await.unwrap();
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let decided = apply_for_birth_registration(&mut citizen).await;
    decide(&app, &decided, "civil-registry", "approve", None).await;
    app.run_engine().await;
    // A brother's registration, filled in and not yet sent: its answers to check.
    let draft = start_birth_registration(&mut citizen).await;
    fill_birth_registration(&mut citizen, &draft).await;
    let (_, incident) = app.stuck_process().await;
    let pages: [(&str, Vec<String>); 4] = [
        (
            CITIZEN_A,
            vec![
                "/applications".into(),
                format!("/applications/{decided}"),
                format!("/applications/{draft}/check"),
                "/documents".into(),
                "/appeals".into(),
                "/account/notices".into(),
            ],
        ),
        (
            CIVIL_REGISTRY_OFFICER,
            vec![
                "/staff/applications".into(),
                format!("/staff/applications/{decided}"),
                "/staff/appeals".into(),
                "/staff/ratings".into(),
            ],
        ),
        (
            "operator",
            vec!["/staff/appeals".into(), "/staff/notices".into()],
        ),
        (
            "admin",
            vec![
                "/admin".into(),
                "/admin/roles".into(),
                "/admin/payments".into(),
                "/admin/incidents".into(),
                format!("/admin/incidents/{incident}"),
                "/admin/exchange/traffic".into(),
                "/appeals/figures".into(),
            ],
        ),
    ];
    for (persona, paths) in pages {
        let mut b = app.signed_in(persona).await;
        for lang in ["uz", "uz-Cyrl", "ru", "en"] {
            for path in &paths {
                let sep = if path.contains('?') { '&' } else { '?' };
                let page = b.get(&format!("{path}{sep}lang={lang}")).await;
                assert!(
                    page.status.is_success(),
                    "{persona} {path}: {}",
                    page.status
                );
                let text = visible(&page.text());
                if let Some(day) = stored_day(&text) {
                    let at = text.find(day).unwrap();
                    let around = &text[at.saturating_sub(80)..(at + 40).min(text.len())];
                    panic!("{persona} {path} ({lang}) shows {day}: …{around}…");
                }
            }
        }
    }
}

on_both_databases!(no_page_shows_a_day_as_it_is_stored);
