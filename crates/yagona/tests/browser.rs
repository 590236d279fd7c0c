//! A citizen applies for a service end to end in headless Chromium (Debian's `chromium` and
//! `chromedriver`), and axe-core checks every page of the path for accessibility problems
//! against WCAG 2.2 AA (target size included), at 1280 px and on a phone (390 px). Every page
//! must also fit 390 and 320 px without scrolling sideways, with every control on the screen
//! and no reference number broken over two lines; the pages with tables are walked so in all
//! four languages, whose words differ in length.
//!
//! A second test walks what people found wrong with the portal, in each of the four languages:
//! a misspelled search and its "Did you mean", rating a decided application, GOV.UK's date input
//! refusing a birth in the future, the file upload in the page's language, the same child
//! refused the second time, and an appeal followed at its own address.
//!
//! Without Chromium the tests are skipped with a note; under CI (`CI` set) they fail instead.

mod common;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const AXE: &str = include_str!("support/axe.min.js");

struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find(binary: &str) -> Option<String> {
    ["/usr/bin/", "/usr/local/bin/", "/usr/lib/chromium/"]
        .iter()
        .map(|d| format!("{d}{binary}"))
        .find(|p| std::path::Path::new(p).exists())
}

async fn start_driver() -> Option<(Driver, Client)> {
    let (Some(chromedriver), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
            panic!("CI is set but chromium/chromedriver are missing: .ci/run must install them");
        }
        eprintln!(
            "skipping the browser test: install Debian's chromium and chromium-driver to run it"
        );
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display())]
        }),
    );
    let driver = Driver {
        child,
        port,
        _profile: profile,
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    for _ in 0..50 {
        match ClientBuilder::new(connector.clone())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
        {
            Ok(c) => return Some((driver, c)),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    panic!("chromedriver did not answer");
}

/// The widths every page is looked at: a desktop, a phone, and the narrowest screen WCAG's
/// reflow criterion (1.4.10) asks for. The flow itself runs at the first.
const DESKTOP: u32 = 1280;
const PHONE: u32 = 390;
const NARROWEST: u32 = 320;

/// The languages of the interface, as `?lang=` takes them.
const LANGUAGES: [&str; 4] = ["uz", "uz-Cyrl", "ru", "en"];

/// axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA (2.5.8 target size among
/// them), and its best practices.
const AXE_TAGS: [&str; 6] = [
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
];

async fn set_width(c: &Client, width: u32) {
    c.set_window_size(width, 900)
        .await
        .expect("the window resizes");
    for _ in 0..40 {
        let inner = c.execute("return window.innerWidth", vec![]).await.unwrap();
        if inner.as_u64() == Some(u64::from(width)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the window did not become {width} px wide");
}

/// Fails if the page scrolls sideways, if a control lies (partly) off the screen, or if a
/// reference number (`yg-nowrap`) is broken over two lines.
async fn assert_fits(c: &Client, what: &str, width: u32) {
    let script = r#"
        const root = document.documentElement, wide = root.clientWidth;
        const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
            + [...e.classList].map(k => '.' + k).join('') + ' "' + (e.textContent || '').trim().slice(0, 40) + '"';
        const clipped = e => { for (let a = e; a; a = a.parentElement) {
            if (getComputedStyle(a).clipPath !== 'none') return true; } return false; };
        const shown = e => { const r = e.getBoundingClientRect(); return r.width > 1 && r.height > 1
            && getComputedStyle(e).visibility !== 'hidden' && !e.closest('.yg-diagram') && !clipped(e); };
        const problems = [];
        if (root.scrollWidth > wide) {
            const over = [...document.body.querySelectorAll('*')].filter(e => shown(e)
                && e.getBoundingClientRect().right > wide + 0.5
                && ![...e.children].some(k => k.getBoundingClientRect().right > wide + 0.5));
            const spill = [...document.body.querySelectorAll('*')].filter(e => shown(e)
                && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible');
            problems.push('the page is ' + root.scrollWidth + ' px wide in ' + wide + ' px: '
                + over.concat(spill).slice(0, 6).map(name).join('; '));
        }
        for (const e of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
            if (!shown(e)) continue;
            const r = e.getBoundingClientRect();
            if (r.left < -0.5 || r.right > wide + 0.5) problems.push('off the screen: ' + name(e));
        }
        for (const e of document.querySelectorAll('.yg-nowrap')) {
            if (e.getClientRects().length > 1) problems.push('broken over lines: ' + name(e));
        }
        return problems;"#;
    let problems = c.execute(script, vec![]).await.expect("the layout is read");
    let problems = problems.as_array().cloned().unwrap_or_default();
    assert!(
        problems.is_empty(),
        "{what} does not fit {width} px ({}):\n{}",
        c.current_url().await.unwrap(),
        serde_json::to_string_pretty(&problems).unwrap()
    );
}

/// Runs axe-core's WCAG 2.2 AA rules on the page as it is laid out now.
async fn assert_axe(c: &Client, what: &str, width: u32) {
    let script = "const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(r => done(JSON.stringify({
            ran: [...r.passes, ...r.violations, ...r.incomplete, ...r.inapplicable].map(v => v.id),
            violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.html + ' :: ' + n.failureSummary)}))})))
          .catch(e => done(JSON.stringify({ran: [], violations: [{id: 'axe-error', help: String(e)}]})));";
    let out = c
        .execute_async(script, vec![json!(AXE_TAGS)])
        .await
        .expect("axe runs");
    let out: Value = serde_json::from_str(out.as_str().unwrap_or("{}")).unwrap();
    let violations = out["violations"].as_array().cloned().unwrap_or_default();
    assert!(
        violations.is_empty(),
        "axe-core found problems on {what} at {width} px ({}):\n{}",
        c.current_url().await.unwrap(),
        serde_json::to_string_pretty(&violations).unwrap()
    );
    let ran = out["ran"].as_array().cloned().unwrap_or_default();
    assert!(
        ran.iter().any(|r| r == "target-size"),
        "axe ran WCAG 2.2's target size rule"
    );
}

/// Looks at the current page at 1280, 390 and 320 px: axe-core's WCAG 2.2 AA rules at the
/// first two, and at all three no sideways scrolling (see `assert_fits`). Leaves the window at
/// 1280 px. With `YAGONA_SCREENSHOTS=DIR` set, also saves a screenshot at each width there,
/// for people to look at.
async fn assert_accessible(c: &Client, what: &str) {
    c.execute(AXE, vec![]).await.expect("axe loads");
    for width in [DESKTOP, PHONE, NARROWEST] {
        if width != DESKTOP {
            set_width(c, width).await;
        }
        if let Ok(dir) = std::env::var("YAGONA_SCREENSHOTS") {
            if let Ok(png) = c.screenshot().await {
                let name: String = what
                    .chars()
                    .map(|ch| if ch.is_alphanumeric() { ch } else { '-' })
                    .collect();
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(format!("{dir}/{name}-{width}.png"), png);
                if let Ok(diagram) = c.find(Locator::Css(".yg-diagram")).await {
                    if let Ok(png) = diagram.screenshot().await {
                        let _ = std::fs::write(format!("{dir}/{name}-{width}-diagram.png"), png);
                    }
                }
            }
        }
        assert_fits(c, what, width).await;
        if width != NARROWEST {
            assert_axe(c, what, width).await;
        }
    }
    set_width(c, DESKTOP).await;
}

/// `assert_accessible` on the current page (one a GET shows) in each of the four languages,
/// then back in the language it was in.
async fn assert_accessible_in_every_language(c: &Client, what: &str) {
    let url = c.current_url().await.unwrap();
    let was = c
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    let in_language = |lang: &str| {
        let mut u = url.clone();
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        u.query_pairs_mut()
            .clear()
            .extend_pairs(pairs)
            .append_pair("lang", lang);
        u.to_string()
    };
    for lang in LANGUAGES {
        c.goto(&in_language(lang)).await.unwrap();
        assert_accessible(c, &format!("{what} ({lang})")).await;
    }
    c.goto(&in_language(was.as_str().unwrap_or("uz")))
        .await
        .unwrap();
}

async fn fill(c: &Client, id: &str, text: &str) {
    let el = c
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("field {id}"));
    el.clear().await.ok();
    el.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("element {css}"))
        .click()
        .await
        .unwrap();
}

/// Clicks something that loads a new page, and waits until the new page has replaced the old.
async fn navigate(c: &Client, css: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    click(c, css).await;
    for _ in 0..200 {
        if old.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for _ in 0..200 {
        if c.execute("return document.readyState", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(|s| s == "complete"))
            == Some(true)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the page after clicking {css} did not load");
}

async fn heading(c: &Client) -> String {
    c.find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_applies_in_a_browser_and_every_page_is_accessible() {
    let Some((_driver, c)) = start_driver().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    // Browsers accept Secure cookies over plain HTTP only on localhost.
    let base = app.address.replace("127.0.0.1", "localhost");
    let result = async {
        c.goto(&format!("{base}/?lang=en")).await.unwrap();
        assert_accessible(&c, "the home page").await;
        fill(&c, "q", "tug'ilish").await;
        navigate(&c, "form[role=search] button").await;
        assert_accessible(&c, "search results").await;
        navigate(&c, "a[href='/services/birth-registration']").await;
        assert_accessible(&c, "the service passport").await;
        navigate(&c, "button.govuk-button--start").await;
        // Not signed in yet: the demo identity provider.
        assert_eq!(heading(&c).await, "Sign in");
        assert_accessible(&c, "the sign-in page").await;
        click(&c, &format!("#persona-{CITIZEN_A}")).await;
        navigate(&c, "form[action='/sign-in'] button[type=submit]").await;
        // Signed in, straight on to the form's first step (not back to the passport).
        let url = c.current_url().await.unwrap();
        assert!(url.path().contains("/steps/"), "{url}");

        // Step 1, first with a mistake: the error summary must be accessible too.
        navigate(&c, "button[value=continue]").await;
        assert!(c.find(Locator::Css(".govuk-error-summary")).await.is_ok());
        assert_accessible(&c, "a step with errors").await;
        fill(&c, "child_surname", "Karimov").await;
        fill(&c, "child_given_name", "Temur").await;
        click(&c, "#child_sex").await;
        assert_accessible(&c, "step 1").await;
        navigate(&c, "button[value=continue]").await;
        // GOV.UK's date input: day, month and year, typed as a person does.
        let born = days_ago(10).parse().unwrap();
        fill_date(&c, "birth_date", born).await;
        click(&c, "#birth_region option[value='tashkent-city']").await;
        fill(&c, "birth_place", "Toshkent shahar 1-son tugʻruqxonasi").await;
        assert_accessible(&c, "step 2").await;
        navigate(&c, "button[value=continue]").await;
        fill(&c, "mother_pinfl", CITIZEN_A).await;
        assert_accessible(&c, "step 3").await;
        navigate(&c, "button[value=continue]").await;
        let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(file.path(), pdf("medical birth certificate")).unwrap();
        // GOV.UK Frontend's file upload has made the input a button; the input itself stays.
        c.find(Locator::Id("medical_birth_certificate-input"))
            .await
            .unwrap()
            .send_keys(file.path().to_str().unwrap())
            .await
            .unwrap();
        click(&c, "#declaration").await;
        assert_accessible(&c, "step 4 (upload)").await;
        navigate(&c, "button[value=continue]").await;

        assert!(heading(&c).await.starts_with("Check your answers"));
        assert_accessible(&c, "check your answers").await;
        navigate(&c, "form[action$='/submit'] button").await;
        assert_eq!(heading(&c).await, "Application sent");
        let reference = c
            .find(Locator::Id("reference"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(reference.starts_with("YG-"));
        assert_accessible(&c, "the confirmation page").await;
        c.goto(&format!("{base}/applications/{reference}"))
            .await
            .unwrap();
        assert_eq!(
            c.find(Locator::Id("status"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "Sent"
        );
        assert_accessible(&c, "the application page").await;
        c.goto(&format!("{base}/applications")).await.unwrap();
        assert_accessible_in_every_language(&c, "my applications").await;

        // A paid service: the fee before sending, the invoice after, and paying it at the
        // provider's checkout (the sandbox) and back — redirects a real browser follows under
        // the pages' form-action policy.
        c.goto(&format!("{base}/services/civil-certificate-duplicate"))
            .await
            .unwrap();
        navigate(&c, "button.govuk-button--start").await;
        click(&c, "#certificate_type").await;
        click(&c, "#reason").await;
        navigate(&c, "button[value=continue]").await;
        fill(&c, "subject_pinfl", CITIZEN_A).await;
        fill(&c, "registration_year", "1990").await;
        click(&c, "#registry_region option[value='tashkent-city']").await;
        navigate(&c, "button[value=continue]").await;
        click(&c, "#delivery").await;
        navigate(&c, "button[value=continue]").await;
        let due = c
            .find(Locator::Id("fee-due"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // WebDriver gives the no-break space between the thousands as a plain one.
        assert_eq!(due.replace('\u{a0}', " "), "82 400 soʻm");
        assert_accessible(&c, "check your answers with a fee").await;
        navigate(&c, "form[action$='/submit'] button").await;
        assert!(c.find(Locator::Id("invoice-number")).await.is_ok());
        assert_accessible(&c, "the confirmation with the invoice").await;
        navigate(&c, "#pay-payme").await;
        assert!(c
            .current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/sandbox/payme/checkout/"));
        navigate(&c, "button[name=choice][value=pay]").await;
        assert_eq!(
            c.find(Locator::Id("invoice-status"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "Paid"
        );
        assert_accessible(&c, "the application, paid").await;

        // The officer's side of the same application, in Russian this time.
        navigate(&c, "form[action='/sign-out'] button").await;
        c.goto(&format!("{base}/sign-in?lang=ru")).await.unwrap();
        click(&c, &format!("#persona-{CIVIL_REGISTRY_OFFICER}")).await;
        navigate(&c, "form[action='/sign-in'] button[type=submit]").await;
        assert_accessible_in_every_language(&c, "the officer's list").await;
        // On a phone, the filter and the rows' links are pressed like anything else.
        set_width(&c, PHONE).await;
        navigate(&c, "form[action='/staff/applications'] button").await;
        navigate(&c, &format!("a[href='/staff/applications/{reference}']")).await;
        set_width(&c, DESKTOP).await;
        assert_accessible_in_every_language(&c, "the officer's application page").await;
        click(&c, "input[name=decision][value=approve]").await;
        navigate(&c, "form[action$='/decision'] button[type=submit]").await;
        // The process issues the result (a node's background loop does this within a second).
        app.run_engine().await;
        c.goto(&format!("{base}/staff/applications/{reference}"))
            .await
            .unwrap();
        assert_eq!(
            c.find(Locator::Id("status"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "Одобрена"
        );
        assert_accessible(&c, "the decided application").await;

        // The result: anyone's verification page, and the citizen's cabinet with a link shared.
        let number: String = sqlx::query_scalar(
            "SELECT r.number FROM result_documents r JOIN applications a ON a.id = r.application_id WHERE a.reference = $1",
        )
        .bind(&reference)
        .fetch_one(&app.db.pool)
        .await
        .expect("the result is issued");
        c.goto(&format!("{base}/verify?lang=en")).await.unwrap();
        assert_accessible(&c, "the verification form").await;
        fill(&c, "number", &number.to_lowercase()).await;
        navigate(&c, "form[action='/verify'] button").await;
        assert_eq!(heading(&c).await, "This document is valid");
        assert_accessible(&c, "the verification page").await;
        navigate(&c, "form[action='/sign-out'] button").await;
        c.goto(&format!("{base}/sign-in?lang=uz")).await.unwrap();
        click(&c, &format!("#persona-{CITIZEN_A}")).await;
        navigate(&c, "form[action='/sign-in'] button[type=submit]").await;
        c.goto(&format!("{base}/documents")).await.unwrap();
        assert_accessible_in_every_language(&c, "my documents").await;
        navigate(&c, &format!("a[href='/documents/{number}/share']")).await;
        assert_accessible(&c, "a document and its links").await;
        click(&c, "#days-7").await;
        navigate(&c, &format!("form[action='/documents/{number}/share'] button")).await;
        assert!(c.find(Locator::Id("share-link")).await.is_ok());
        assert_accessible(&c, "a link shared").await;
        c.goto(&format!("{base}/documents/{number}/share"))
            .await
            .unwrap();
        assert_accessible_in_every_language(&c, "a document and its shared links").await;
        // An appeal of one's own, signed in: "My appeals".
        c.goto(&format!("{base}/appeals/new?service=birth-registration"))
            .await
            .unwrap();
        click(&c, "#kind-2").await;
        fill(&c, "subject", "Guvohnoma kechikmoqda").await;
        fill(&c, "body", "Oʻn kun oldin ariza berdim.").await;
        navigate(&c, "form[action='/appeals'] button[type=submit]").await;
        c.goto(&format!("{base}/appeals")).await.unwrap();
        assert!(c.find(Locator::Css("table.yg-table-stack")).await.is_ok());
        assert_accessible_in_every_language(&c, "my appeals").await;

        c.goto(&format!("{base}/api/docs?lang=en")).await.unwrap();
        assert_accessible_in_every_language(&c, "the API page").await;

        // The e-Government Centre: the exchange directory with a mistaken grant, and the traffic.
        navigate(&c, "form[action='/sign-out'] button").await;
        c.goto(&format!("{base}/sign-in?lang=uz")).await.unwrap();
        click(&c, "#persona-admin").await;
        navigate(&c, "form[action='/sign-in'] button[type=submit]").await;
        c.goto(&format!("{base}/admin")).await.unwrap();
        assert_accessible_in_every_language(&c, "the registry").await;
        c.goto(&format!("{base}/admin/exchange")).await.unwrap();
        assert_accessible_in_every_language(&c, "the exchange directory").await;
        navigate(
            &c,
            "form[action='/admin/exchange/rights'] button.govuk-button:not(.govuk-button--warning)",
        )
        .await;
        assert_accessible(&c, "the grant form with its errors").await;
        c.goto(&format!(
            "{base}/admin/exchange/traffic?from=2026-11-01&to=2026-11-30"
        ))
        .await
        .unwrap();
        assert_accessible_in_every_language(&c, "who calls whom").await;
        // A process stuck at an incident: the list, and the incident with its diagram and form.
        let (_, incident) = app.stuck_process().await;
        c.goto(&format!("{base}/admin/incidents")).await.unwrap();
        assert_accessible_in_every_language(&c, "the incidents").await;
        c.goto(&format!("{base}/admin/incidents/{incident}"))
            .await
            .unwrap();
        assert_accessible_in_every_language(&c, "an incident with its diagram").await;
        fill(&c, "variables", "amount = 5000").await;
        navigate(&c, "button[value=retry]").await;
        assert_accessible(&c, "the incident's variables with an error").await;
        // Staff roles: the page, and the grant form sent empty (its errors).
        c.goto(&format!("{base}/admin/roles")).await.unwrap();
        assert_accessible_in_every_language(&c, "the staff roles").await;
        navigate(
            &c,
            "form[action='/admin/roles'] button.govuk-button:not(.govuk-button--warning)",
        )
        .await;
        assert_accessible(&c, "the role form with its errors").await;
        // Payments: the last days and the reconciliation form, sent empty (its errors).
        c.goto(&format!("{base}/admin/payments")).await.unwrap();
        assert_accessible_in_every_language(&c, "the payments").await;
        navigate(&c, "form[action='/admin/payments'] button.govuk-button").await;
        assert_accessible(&c, "the reconciliation form with its errors").await;
        navigate(&c, "form[action='/sign-out'] button").await;
        an_appeal_is_filed_followed_and_answered(&c, &base).await;
    }
    .await;
    c.close().await.ok();
    result
}

/// The contact point's pages, each checked: the appeal form (with its errors), the
/// confirmation, following by tracking number, the desk's queue and appeal, the answer and the
/// rating form, an operator's call form, and the figures.
async fn an_appeal_is_filed_followed_and_answered(c: &Client, base: &str) {
    c.goto(&format!(
        "{base}/appeals/new?lang=en&service=birth-registration"
    ))
    .await
    .unwrap();
    assert_accessible(c, "the appeal form").await;
    navigate(c, "form[action='/appeals'] button[type=submit]").await;
    assert_accessible(c, "the appeal form with errors").await;
    click(c, "#kind-2").await;
    fill(c, "subject", "The certificate is late").await;
    fill(c, "body", "I applied ten days ago.").await;
    fill(c, "name", "Aziz Karimov").await;
    fill(c, "phone", "+998 90 123 45 67").await;
    navigate(c, "form[action='/appeals'] button[type=submit]").await;
    assert_eq!(heading(c).await, "Appeal sent");
    assert_accessible(c, "the appeal confirmation").await;
    let tracking = c
        .find(Locator::Id("tracking"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let follow = |c: &Client, tracking: String| {
        let c = c.clone();
        let base = base.to_owned();
        async move {
            c.goto(&format!("{base}/appeals/track")).await.unwrap();
            fill(&c, "tracking", &tracking).await;
            fill(&c, "check", "90 123 45 67").await;
            navigate(&c, "form[action='/appeals/track'] button").await;
        }
    };
    follow(c, tracking.clone()).await;
    assert_accessible(c, "the followed appeal").await;

    c.goto(&format!("{base}/sign-in?lang=ru")).await.unwrap();
    click(c, &format!("#persona-{CIVIL_REGISTRY_OFFICER}")).await;
    navigate(c, "form[action='/sign-in'] button[type=submit]").await;
    c.goto(&format!("{base}/staff/appeals")).await.unwrap();
    assert_accessible_in_every_language(c, "the agency's appeals").await;
    c.goto(&format!("{base}/staff/appeals/{tracking}"))
        .await
        .unwrap();
    assert_accessible(c, "the appeal on the desk").await;
    fill(c, "reply-text", "Свидетельство готово.").await;
    navigate(c, "form[action$='/reply'] button").await;
    assert_accessible(c, "the answered appeal on the desk").await;
    navigate(c, "form[action='/sign-out'] button").await;

    follow(c, tracking).await;
    assert!(
        c.find(Locator::Id("rating")).await.is_ok(),
        "the rating form"
    );
    assert_accessible(c, "the answer with the rating form").await;

    c.goto(&format!("{base}/sign-in?lang=uz-Cyrl"))
        .await
        .unwrap();
    click(c, "#persona-operator").await;
    navigate(c, "form[action='/sign-in'] button[type=submit]").await;
    c.goto(&format!("{base}/staff/appeals/new")).await.unwrap();
    assert_accessible(c, "the operator's call form").await;
    c.goto(&format!("{base}/staff/appeals")).await.unwrap();
    assert_accessible_in_every_language(c, "the operator's queue").await;
    c.goto(&format!("{base}/staff/notices")).await.unwrap();
    assert_accessible(c, "the notices that failed").await;
    c.goto(&format!("{base}/appeals/figures")).await.unwrap();
    assert_accessible_in_every_language(c, "the figures").await;
}

/// What a person sees in one language, where the walk checks the words.
struct InLanguage {
    lang: &'static str,
    /// A misspelled search that finds birth registration through its "Did you mean".
    misspelled: &'static str,
    /// GOV.UK Frontend's file upload button.
    choose_file: &'static str,
    /// The start of the refusal of the same child twice.
    already_applied: &'static str,
    /// The start of the thanks for a rating.
    thanks: &'static str,
    /// The start of what an appeal's page says to a browser that gave the check.
    bookmark: &'static str,
}

const IN_LANGUAGES: [InLanguage; 4] = [
    InLanguage {
        lang: "uz",
        misspelled: "tugulish",
        choose_file: "Faylni tanlang",
        already_applied: "Siz bu xizmat uchun allaqachon ariza bergansiz",
        thanks: "Rahmat",
        bookmark: "Bu sahifani xatchoʻpga qoʻshishingiz mumkin",
    },
    InLanguage {
        lang: "uz-Cyrl",
        misspelled: "туғулиш",
        choose_file: "Файлни танланг",
        already_applied: "Сиз бу хизмат учун аллақачон ариза бергансиз",
        thanks: "Раҳмат",
        bookmark: "Бу саҳифани хатчўпга қўшишингиз мумкин",
    },
    InLanguage {
        lang: "ru",
        misspelled: "ригистрация рождения",
        choose_file: "Выберите файл",
        already_applied: "Вы уже подали такое заявление",
        thanks: "Спасибо",
        bookmark: "Эту страницу можно добавить в закладки",
    },
    InLanguage {
        lang: "en",
        misspelled: "brith certficate",
        choose_file: "Choose file",
        already_applied: "You have already applied for this",
        thanks: "Thank you",
        bookmark: "You can bookmark this page",
    },
];

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("element {css}"))
        .text()
        .await
        .unwrap()
}

/// Types a date into GOV.UK's date input `id` (day, month and year boxes).
async fn fill_date(c: &Client, id: &str, day: chrono::NaiveDate) {
    use chrono::Datelike;
    fill(c, id, &day.day().to_string()).await;
    fill(c, &format!("{id}-month"), &day.month().to_string()).await;
    fill(c, &format!("{id}-year"), &day.year().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_as_people_found_it_in_every_language() {
    let Some((_driver, c)) = start_driver().await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let base = app.address.replace("127.0.0.1", "localhost");
    // Temur's birth, registered and approved; and an appeal filed by phone for each language.
    let mut http = app.signed_in(CITIZEN_A).await;
    let decided = apply_for_birth_registration(&mut http).await;
    decide(&app, &decided, "civil-registry", "approve", None).await;
    app.run_engine().await;
    let mut appeals = Vec::new();
    for l in IN_LANGUAGES {
        let mut visitor = app.client();
        let form = visitor.get("/appeals/new").await;
        let marker = "name=\"submission\" value=\"";
        let start = form.body.find(marker).unwrap() + marker.len();
        let submission = form.body[start..start + 36].to_owned();
        let sent = visitor
            .post(
                "/appeals",
                &[
                    ("kind", "inquiry"),
                    ("service", "birth-registration"),
                    ("subject", &format!("Savol ({})", l.lang)),
                    ("body", "Guvohnoma qachon tayyor boʻladi?"),
                    ("name", "Aziz Karimov"),
                    ("phone", "90 123 45 67"),
                    ("csrf_token", &form.csrf()),
                    ("submission", &submission),
                ],
            )
            .await;
        let marker = "id=\"tracking\">";
        let start = sent.body.find(marker).expect("a tracking number") + marker.len();
        appeals.push(sent.body[start..start + 12].to_owned());
    }
    let result = async {
        c.goto(&format!("{base}/sign-in?lang=uz")).await.unwrap();
        click(&c, &format!("#persona-{CITIZEN_A}")).await;
        navigate(&c, "form[action='/sign-in'] button[type=submit]").await;
        let today = yagona_core::tashkent_date(&yagona_core::now());
        for (l, appeal) in IN_LANGUAGES.iter().zip(&appeals) {
            let lang = l.lang;
            c.goto(&format!("{base}/?lang={lang}")).await.unwrap();

            // A misspelled search: "Did you mean", which finds the service first.
            fill(&c, "q", l.misspelled).await;
            navigate(&c, "form[role=search] button").await;
            assert!(
                c.find(Locator::Css("#did-you-mean a")).await.is_ok(),
                "{lang}: did you mean"
            );
            assert_accessible(&c, &format!("a misspelled search ({lang})")).await;
            navigate(&c, "#did-you-mean a").await;
            let first = c
                .find(Locator::Css(".yg-card__link"))
                .await
                .unwrap()
                .attr("href")
                .await
                .unwrap();
            assert_eq!(
                first.as_deref(),
                Some("/services/birth-registration"),
                "{lang}"
            );

            // The decided application is rated; the thanks are in the page's language.
            c.goto(&format!("{base}/applications/{decided}"))
                .await
                .unwrap();
            click(&c, "#rating").await;
            fill(&c, "rating-comment", "Tez va qulay").await;
            navigate(&c, "form[action$='/rating'] button").await;
            let banner = text_of(&c, ".govuk-notification-banner").await;
            assert!(banner.contains(l.thanks), "{lang}: {banner}");
            assert_accessible(&c, &format!("a rated application ({lang})")).await;

            // The same child again. A birth in the future is refused in GOV.UK's date input.
            c.goto(&format!("{base}/services/birth-registration"))
                .await
                .unwrap();
            navigate(&c, "button.govuk-button--start").await;
            fill(&c, "child_surname", "Karimov").await;
            fill(&c, "child_given_name", "Temur").await;
            click(&c, "#child_sex").await;
            navigate(&c, "button[value=continue]").await;
            fill_date(&c, "birth_date", today + chrono::Duration::days(3)).await;
            click(&c, "#birth_region option[value='tashkent-city']").await;
            fill(&c, "birth_place", "Toshkent shahar 1-son tugʻruqxonasi").await;
            navigate(&c, "button[value=continue]").await;
            assert!(
                c.find(Locator::Css(".govuk-error-summary a[href='#birth_date']"))
                    .await
                    .is_ok(),
                "{lang}: the birth in the future is refused"
            );
            assert_accessible(&c, &format!("a birth date in the future ({lang})")).await;
            fill_date(&c, "birth_date", today - chrono::Duration::days(10)).await;
            navigate(&c, "button[value=continue]").await;
            fill(&c, "mother_pinfl", CITIZEN_A).await;
            navigate(&c, "button[value=continue]").await;
            // The file upload speaks the page's language, and names the file chosen.
            let button = text_of(
                &c,
                "#medical_birth_certificate .govuk-file-upload-button__pseudo-button",
            )
            .await;
            assert_eq!(button, l.choose_file, "{lang}");
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("tibbiy-guvohnoma.pdf");
            std::fs::write(&file, pdf("medical birth certificate")).unwrap();
            c.find(Locator::Id("medical_birth_certificate-input"))
                .await
                .unwrap()
                .send_keys(file.to_str().unwrap())
                .await
                .unwrap();
            let status = text_of(
                &c,
                "#medical_birth_certificate .govuk-file-upload-button__status",
            )
            .await;
            assert_eq!(status, "tibbiy-guvohnoma.pdf", "{lang}");
            // The draft of the language before is taken up again, its declaration kept.
            let declared = c.find(Locator::Id("declaration")).await.unwrap();
            if !declared.is_selected().await.unwrap() {
                declared.click().await.unwrap();
            }
            assert_accessible(&c, &format!("the file upload ({lang})")).await;
            navigate(&c, "button[value=continue]").await;
            navigate(&c, "form[action$='/submit'] button").await;
            let summary = text_of(&c, ".govuk-error-summary").await;
            assert!(summary.contains(l.already_applied), "{lang}: {summary}");
            assert!(
                summary.contains(&decided),
                "{lang}: names the application: {summary}"
            );
            assert_accessible(&c, &format!("the same child again ({lang})")).await;

            // An appeal's own address: the number filled in, the check asked once, then the
            // appeal at that address.
            c.goto(&format!("{base}/appeals/{appeal}")).await.unwrap();
            let number = c
                .find(Locator::Id("tracking"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap();
            assert_eq!(number.as_deref(), Some(appeal.as_str()), "{lang}");
            assert_accessible(
                &c,
                &format!("an appeal's address, not yet followed ({lang})"),
            )
            .await;
            fill(&c, "check", "+998 90 123 45 67").await;
            navigate(&c, "form[action='/appeals/track'] button").await;
            assert_eq!(
                c.current_url().await.unwrap().path(),
                format!("/appeals/{appeal}")
            );
            let said = text_of(&c, "#followed").await;
            assert!(said.starts_with(l.bookmark), "{lang}: {said}");
            assert_accessible(&c, &format!("a followed appeal ({lang})")).await;
            c.refresh().await.unwrap();
            assert!(
                c.find(Locator::Id("followed")).await.is_ok(),
                "{lang}: the bookmark opens again"
            );
        }
    }
    .await;
    c.close().await.ok();
    result
}
