//! Notices that arrive: queued with the change they tell of, drained by a node with a lease,
//! sent over the real protocols — SMS to the Eskiz stand-in (with its delivery report coming
//! back), e-mail to a real SMTP server (aiosmtpd, from PyPI) — quiet at night unless urgent,
//! retried with back-off and then given up into the operators' failed list, and never sent
//! twice because a node stopped mid-send.

mod common;

use chrono::{TimeZone, Utc};
use common::TestApp;
use serde_json::json;
use std::time::Duration;
use yagona_notices::dispatch::{run_once, Senders};
use yagona_notices::{Channel, Notices, Status};

const DILNOZA: &str = "31505901234567";

fn duplicate_certificate() -> serde_json::Value {
    json!({"certificate_type": "birth", "reason": "lost", "subject_pinfl": DILNOZA,
           "registration_year": 1990, "registry_region": "tashkent-city", "delivery": "electronic"})
}

/// A weekday at 11:00 in Tashkent, when SMS go out.
fn daytime() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 6, 0, 0).unwrap()
}

async fn drain(app: &TestApp, at: chrono::DateTime<Utc>) -> yagona_notices::dispatch::Round {
    run_once(&app.db, &app.node.senders, &app.node.i18n, "test-node", at)
        .await
        .expect("a round of notices")
}

fn sandbox(app: &TestApp) -> &yagona_notice_sandbox::NoticeSandbox {
    app.node
        .config
        .notice_sandbox
        .as_deref()
        .expect("the stand-ins")
}

async fn a_citizen_hears_of_the_fee_by_sms_and_email_and_the_sms_is_delivered(app: TestApp) {
    yagona::seed_demo_contacts(&app.db).await.unwrap();
    // The codes that confirmed the addresses went out too (urgent, so even now).
    let reference = common::submitted(
        &app,
        DILNOZA,
        "civil-certificate-duplicate",
        duplicate_certificate(),
    )
    .await;
    let round = drain(&app, daytime()).await;
    assert!(round.sent >= 4, "{round:?}");
    let sent = sandbox(&app).sent();
    let sms: Vec<_> = sent
        .iter()
        .filter(|d| d.channel == "sms" && d.text.contains(&reference))
        .collect();
    assert_eq!(sms.len(), 2, "payment due and payment received: {sent:?}");
    assert!(sms.iter().all(|d| d.to == "+998901234567"));
    // In Uzbek, with the apostrophe an SMS can carry in one GSM-7 segment.
    assert!(sms[0].text.contains("82 400 so'm"), "{}", sms[0].text);
    assert_eq!(
        yagona_notices::text::sms_segments(&sms[0].text),
        1,
        "{}",
        sms[0].text
    );
    let mail: Vec<_> = sent
        .iter()
        .filter(|d| d.channel == "email" && d.text.contains(&reference))
        .collect();
    assert_eq!(mail.len(), 2);
    assert_eq!(mail[0].to, "dilnoza.karimova@example.uz");
    assert!(mail[0]
        .subject
        .as_deref()
        .unwrap_or("")
        .contains(&reference));

    // Eskiz reports the SMS delivered to the node's receipt address.
    let notices = Notices::new(&app.db);
    let mut delivered = 0;
    for _ in 0..40 {
        delivered = notices
            .of_subject("application", &reference)
            .await
            .unwrap()
            .iter()
            .filter(|n| n.channel == Channel::Sms && n.status == Status::Delivered)
            .count();
        if delivered == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(delivered, 2, "both SMS reported delivered");
    // Drained again: nothing goes twice.
    let again = drain(&app, daytime()).await;
    assert_eq!(again.sent, 0);
    // A code is not kept once it went.
    let codes = notices.of_subject("person", DILNOZA).await.unwrap();
    assert!(
        codes.iter().all(|n| n.params.get("code").is_none()),
        "{codes:?}"
    );
}

async fn sms_wait_for_the_morning_unless_urgent(app: TestApp) {
    yagona::seed_demo_contacts(&app.db).await.unwrap();
    let night = Utc.with_ymd_and_hms(2026, 12, 7, 18, 30, 0).unwrap(); // 23:30 in Tashkent
                                                                       // The confirmation codes are urgent: they go at night.
    drain(&app, night).await;
    let before = sandbox(&app).sent().len();
    let reference = common::submitted(
        &app,
        DILNOZA,
        "civil-certificate-duplicate",
        duplicate_certificate(),
    )
    .await;
    drain(&app, night).await;
    let sent = sandbox(&app).sent();
    assert!(
        sent[before..].iter().all(|d| d.channel != "sms"),
        "no SMS at night: {sent:?}"
    );
    assert!(sent[before..]
        .iter()
        .any(|d| d.channel == "email" && d.text.contains(&reference)));
    // 08:00 in Tashkent: the SMS go.
    let morning = Utc.with_ymd_and_hms(2026, 12, 8, 3, 0, 0).unwrap();
    drain(&app, morning).await;
    assert!(sandbox(&app)
        .sent()
        .iter()
        .any(|d| d.channel == "sms" && d.text.contains(&reference)));
}

async fn a_send_a_node_did_not_finish_is_failed_not_sent_again(app: TestApp) {
    yagona::seed_demo_contacts(&app.db).await.unwrap();
    drain(&app, daytime()).await;
    let reference = common::submitted(
        &app,
        DILNOZA,
        "civil-certificate-duplicate",
        duplicate_certificate(),
    )
    .await;
    // A node claimed them, marked them sending, and died before it knew.
    sqlx::query(
        "UPDATE notices SET status = 'sending', lease_owner = 'dead-node', lease_until = '2026-12-07T05:00:00Z', attempts = 1
         WHERE subject_ref = $1",
    )
    .bind(&reference)
    .execute(&app.db.writer)
    .await
    .unwrap();
    let before = sandbox(&app).sent().len();
    let round = drain(&app, daytime()).await;
    assert_eq!(round.interrupted, 4, "{round:?}");
    assert_eq!(sandbox(&app).sent().len(), before, "nothing sent twice");
    let notices = Notices::new(&app.db);
    let failed = notices.failed(50).await.unwrap();
    assert_eq!(
        failed.iter().filter(|n| n.subject_ref == reference).count(),
        4
    );
    // An operator sends one again.
    let one = failed.iter().find(|n| n.subject_ref == reference).unwrap();
    assert!(notices.resend(one.id, "Shahnoza Qosimova").await.unwrap());
    drain(&app, daytime()).await;
    assert_eq!(sandbox(&app).sent().len(), before + 1);
}

async fn a_gateway_that_is_down_is_tried_with_back_off_then_given_up(app: TestApp) {
    yagona::seed_demo_contacts(&app.db).await.unwrap();
    drain(&app, daytime()).await;
    let reference = common::submitted(
        &app,
        DILNOZA,
        "civil-certificate-duplicate",
        duplicate_certificate(),
    )
    .await;
    // The gateway's address answers nothing.
    let down = yagona_channels::ChannelsConfig {
        sms: Some(yagona_channels::EskizConfig {
            base_url: "http://127.0.0.1:9/api".into(),
            email: "x@example.uz".into(),
            password: "x".into(),
            from: "4546".into(),
            callback_url: None,
        }),
        ..Default::default()
    }
    .senders()
    .unwrap();
    let mut at = daytime();
    let notices = Notices::new(&app.db);
    let sms_status = || async {
        notices
            .of_subject("application", &reference)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.channel == Channel::Sms)
            .map(|n| (n.status, n.attempts))
            .collect::<Vec<_>>()
    };
    for attempt in 1..=6 {
        run_once(&app.db, &down, &app.node.i18n, "test-node", at)
            .await
            .unwrap();
        let st = sms_status().await;
        let expected = if attempt < 6 {
            Status::Queued
        } else {
            Status::Failed
        };
        assert!(
            st.iter().all(|(s, n)| *s == expected && *n == attempt),
            "attempt {attempt}: {st:?}"
        );
        // Not before its time.
        run_once(&app.db, &down, &app.node.i18n, "test-node", at)
            .await
            .unwrap();
        assert!(sms_status().await.iter().all(|(_, n)| *n == attempt));
        // A day later (at the same hour, so never in the SMS's quiet hours).
        at += chrono::Duration::days(1);
    }
    let failed = notices.failed(50).await.unwrap();
    assert!(failed.iter().any(|n| n.subject_ref == reference
        && n.last_error.as_deref().unwrap_or("").contains("temporary")));
}

async fn a_citizen_adds_a_phone_confirms_it_with_the_sms_code_and_sees_what_was_sent(app: TestApp) {
    let mut b = app.signed_in(DILNOZA).await;
    let page = b.get("/account/notices").await;
    assert_eq!(page.status, reqwest::StatusCode::OK);
    assert!(page.contains("id=\"no-addresses\""));
    // Not a phone: the form says what to fix, nothing is added.
    let wrong = b
        .submit(
            "/account/notices",
            "/account/notices",
            &[("action", "add"), ("channel", "sms"), ("address", "12345")],
        )
        .await;
    assert_eq!(wrong.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.contains("Enter a phone number"), "{}", wrong.body);
    let added = b
        .submit(
            "/account/notices",
            "/account/notices",
            &[
                ("action", "add"),
                ("channel", "sms"),
                ("address", "+998 90 765 43 21"),
            ],
        )
        .await;
    assert_eq!(
        added.status,
        reqwest::StatusCode::SEE_OTHER,
        "{}",
        added.body
    );
    // The code goes out by SMS (urgent: even at night), and the person reads it there.
    drain(&app, Utc.with_ymd_and_hms(2026, 12, 7, 19, 0, 0).unwrap()).await;
    let sms = sandbox(&app)
        .sent()
        .into_iter()
        .rev()
        .find(|d| d.to == "+998907654321")
        .expect("the code SMS");
    let code: String = sms
        .text
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    let bad = b
        .submit(
            "/account/notices",
            "/account/notices",
            &[
                ("action", "confirm"),
                ("channel", "sms"),
                ("address", "+998907654321"),
                ("code", "000000"),
            ],
        )
        .await;
    assert_eq!(bad.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("The code is wrong"), "{}", bad.body);
    let ok = b
        .submit(
            "/account/notices",
            "/account/notices",
            &[
                ("action", "confirm"),
                ("channel", "sms"),
                ("address", "+998907654321"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(ok.status, reqwest::StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(b.get("/account/notices").await.contains("Confirmed"));
    // The page cannot be used to flood phones with codes: five an hour.
    for n in 0..4 {
        let more = b
            .submit(
                "/account/notices",
                "/account/notices",
                &[
                    ("action", "add"),
                    ("channel", "sms"),
                    ("address", &format!("+99891000000{n}")),
                ],
            )
            .await;
        assert_eq!(more.status, reqwest::StatusCode::SEE_OTHER, "{}", more.body);
    }
    let flood = b
        .submit(
            "/account/notices",
            "/account/notices",
            &[
                ("action", "add"),
                ("channel", "sms"),
                ("address", "+998910000009"),
            ],
        )
        .await;
    assert_eq!(flood.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(flood.contains("too many codes"), "{}", flood.body);
    // An application: the page lists the SMS sent about it, and that it was delivered.
    let reference = common::submitted(
        &app,
        DILNOZA,
        "civil-certificate-duplicate",
        duplicate_certificate(),
    )
    .await;
    drain(&app, daytime()).await;
    let mut text = String::new();
    for _ in 0..100 {
        text = b.get(&format!("/applications/{reference}")).await.text();
        if text.matches("delivered").count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Among the history's lines, as a line of its own.
    assert!(text.contains("id=\"history\""), "{text}");
    assert!(
        text.contains("How we told you: Fee received by SMS to +99890***4321 — "),
        "{text}"
    );
    assert!(
        text.contains("+99890***4321"),
        "the number is masked: {text}"
    );
    // The failed list is the operators'.
    assert_eq!(
        b.get("/staff/notices").await.status,
        reqwest::StatusCode::FORBIDDEN
    );
    let mut operator = app.signed_in("operator").await;
    assert_eq!(
        operator.get("/staff/notices").await.status,
        reqwest::StatusCode::OK
    );
}

async fn telegram_delivers_and_a_blocked_bot_is_given_up_at_once(app: TestApp) {
    yagona::seed_demo_contacts(&app.db).await.unwrap();
    drain(&app, daytime()).await;
    let jasur = "30912850420017";
    let reference = common::submitted(
        &app,
        jasur,
        "civil-certificate-duplicate",
        duplicate_certificate(),
    )
    .await;
    drain(&app, daytime()).await;
    let notices = Notices::new(&app.db);
    let sent = notices.of_subject("application", &reference).await.unwrap();
    assert!(!sent.is_empty());
    // Telegram's sendMessage puts it in the chat: delivered at once.
    assert!(
        sent.iter()
            .all(|n| n.channel == Channel::Telegram && n.status == Status::Delivered),
        "{sent:?}"
    );
    assert!(sandbox(&app)
        .sent()
        .iter()
        .any(|d| d.channel == "telegram" && d.to == "581234567" && d.text.contains(&reference)));
    // The officer approves: the person hears of the decision and that the result is ready.
    common::decide(&app, &reference, "civil-registry", "approve", None).await;
    app.run_engine().await;
    drain(&app, daytime()).await;
    let events: Vec<String> = notices
        .of_subject("application", &reference)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.event)
        .collect();
    assert!(
        events.contains(&"result-ready".to_owned()) && events.contains(&"approved".to_owned()),
        "{events:?}"
    );
    // A person who blocked the bot: a permanent refusal, given up on the first attempt.
    let pinfl = yagona_core::Pinfl::parse(DILNOZA).unwrap();
    notices
        .add_address(
            &pinfl,
            Channel::Telegram,
            "-1009991234",
            yagona_core::Locale::Uz,
        )
        .await
        .unwrap();
    let round = drain(&app, daytime()).await;
    assert_eq!(round.failed, 1, "{round:?}");
    let failed = notices.failed(10).await.unwrap();
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("blocked"),
        "{failed:?}"
    );
    assert_eq!(failed[0].attempts, 1);
}

async fn a_phone_in_appeal_gets_its_tracking_number_by_sms_and_its_page_says_it_arrived(
    app: TestApp,
) {
    let mut b = app.client();
    let form = b.get("/appeals/new").await;
    let token = form.csrf();
    let marker = "name=\"submission\" value=\"";
    let start = form.body.find(marker).unwrap() + marker.len();
    let submission = form.body[start..start + 36].to_owned();
    let sent = b
        .post(
            "/appeals",
            &[
                ("kind", "complaint"),
                ("service", "birth-registration"),
                ("subject", "The certificate is late"),
                (
                    "body",
                    "I applied ten days ago and the birth certificate is still not ready.",
                ),
                ("name", "Aziz Karimov"),
                ("phone", "90 123-45-67"),
                ("csrf_token", &token),
                ("submission", &submission),
            ],
        )
        .await;
    let marker = "id=\"tracking\">";
    let start = sent.body.find(marker).expect("a tracking number") + marker.len();
    let tracking = sent.body[start..start + 12].to_owned();
    drain(&app, daytime()).await;
    let sms = sandbox(&app)
        .sent()
        .into_iter()
        .find(|d| d.channel == "sms" && d.text.contains(&tracking))
        .expect("the tracking number by SMS");
    assert_eq!(sms.to, "+998901234567");
    let mut page = String::new();
    for _ in 0..40 {
        page = b.get(&format!("/appeals/{tracking}")).await.text();
        if page.contains("delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(page.contains("Appeal received — SMS"), "{page}");
    assert!(page.contains("delivered"), "{page}");
}

/// E-mail to a real SMTP server: aiosmtpd (PyPI), writing what it receives to a maildir.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_to_a_real_smtp_server() {
    let installed = std::process::Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        assert!(
            std::env::var_os("CI").is_none(),
            "aiosmtpd is missing (pip install aiosmtpd)"
        );
        eprintln!("skipped: aiosmtpd is not installed (pip install aiosmtpd)");
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let maildir = tempfile::tempdir().unwrap();
    let server = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir.path().join("box"))
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
        }
    }
    let _server = Kill(server);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let app = TestApp::sqlite().await;
    let notices = Notices::new(&app.db);
    let senders: Senders = yagona_channels::ChannelsConfig {
        smtp: Some(yagona_channels::SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: "none".into(),
            username: None,
            password: None,
            from: "Yagona <xabar@my.gov.uz>".into(),
        }),
        ..Default::default()
    }
    .senders()
    .unwrap();
    let pinfl = yagona_core::Pinfl::parse(DILNOZA).unwrap();
    notices
        .add_address(
            &pinfl,
            Channel::Email,
            "dilnoza.karimova@example.uz",
            yagona_core::Locale::Ru,
        )
        .await
        .unwrap();
    let round = run_once(&app.db, &senders, &app.node.i18n, "test-node", daytime())
        .await
        .unwrap();
    assert_eq!(round.sent, 1, "{round:?}");
    let new = maildir.path().join("box").join("new");
    let mut found = String::new();
    for _ in 0..40 {
        if let Some(entry) = std::fs::read_dir(&new).ok().and_then(|mut d| d.next()) {
            found = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(found.contains("Message-ID: <notice-"), "{found}");
    assert!(
        found
            .to_ascii_lowercase()
            .contains("to: dilnoza.karimova@example.uz"),
        "{found}"
    );
    // The code, in Russian as asked (the subject is encoded as RFC 2047 in the headers).
    assert!(found.contains("Subject: "), "{found}");
    let sent = notices.of_subject("person", DILNOZA).await.unwrap();
    assert_eq!(sent[0].status, Status::Sent);
}

async fn a_citizen_links_telegram_by_pressing_start_and_the_link_works_once(app: TestApp) {
    let telegram = app.node.config.channels.telegram.clone().unwrap();
    // The node tells Telegram (here its stand-in) where the bot's updates go.
    yagona_channels::Telegram::new(telegram.clone())
        .set_webhook()
        .await
        .expect("setWebhook");
    let pinfl = yagona_core::Pinfl::parse(DILNOZA).unwrap();
    let notices = Notices::new(&app.db);
    let mut b = app.signed_in(DILNOZA).await;
    let page = b.get("/account/notices").await;
    assert!(page.contains("Connect Telegram"), "{}", page.body);
    // Nobody types a chat id: Telegram is not among the addresses one types.
    assert!(
        !page.body.contains("id=\"channel-telegram\""),
        "{}",
        page.body
    );
    let shown = b
        .submit(
            "/account/notices",
            "/account/notices",
            &[("action", "telegram")],
        )
        .await;
    assert_eq!(shown.status, reqwest::StatusCode::OK, "{}", shown.body);
    let text = shown.text();
    let link = text
        .split("id=\"telegram-link\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the link to the bot")
        .to_owned();
    let prefix = format!("{}/sandbox/telegram/t.me/YagonaDemoBot?start=", app.address);
    let token = link.strip_prefix(&prefix).expect(&link).to_owned();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let update = |chat: i64, chat_type: &str, text: &str| {
        json!({"update_id": 9, "message": {"message_id": 9, "date": 0,
               "chat": {"id": chat, "type": chat_type}, "text": text}})
    };
    // Updates without the webhook's secret are refused and link nothing.
    let forged = http
        .post(format!("{}/notices/telegram/updates", app.address))
        .header("X-Telegram-Bot-Api-Secret-Token", "guess")
        .json(&update(666, "private", &format!("/start {token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert!(notices
        .preferences(&pinfl)
        .await
        .unwrap()
        .addresses
        .is_empty());
    // The person opens the link in Telegram and presses Start.
    let page = http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let start = |chat: &'static str| {
        http.post(&link)
            .form(&[("start", token.as_str()), ("chat", chat)])
            .send()
    };
    let started = start("700100200").await.unwrap();
    assert_eq!(started.status(), reqwest::StatusCode::SEE_OTHER);
    let prefs = notices.preferences(&pinfl).await.unwrap();
    assert_eq!(prefs.addresses.len(), 1, "{prefs:?}");
    assert_eq!(prefs.addresses[0].channel, Channel::Telegram);
    assert_eq!(prefs.addresses[0].address, "700100200");
    assert!(prefs.addresses[0].confirmed);
    let page = b.get("/account/notices").await;
    assert!(page.contains("700100200"), "{}", page.body);
    // The bot says so in the chat.
    drain(&app, daytime()).await;
    let said: Vec<_> = sandbox(&app)
        .sent()
        .into_iter()
        .filter(|d| d.channel == "telegram" && d.to == "700100200")
        .collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].text.contains("Yagona"), "{said:?}");
    // The link works once: someone else starting the bot with it links nothing.
    assert_eq!(
        start("700999888").await.unwrap().status(),
        reqwest::StatusCode::SEE_OTHER
    );
    let prefs = notices.preferences(&pinfl).await.unwrap();
    assert_eq!(prefs.addresses.len(), 1, "{prefs:?}");
    // A new link ends the one before; a group chat never links.
    let second = notices
        .telegram_link(&pinfl, yagona_core::Locale::Ru)
        .await
        .unwrap();
    let third = notices
        .telegram_link(&pinfl, yagona_core::Locale::Ru)
        .await
        .unwrap();
    assert_eq!(
        notices
            .telegram_started(&second, "700555444")
            .await
            .unwrap(),
        None
    );
    let secret = telegram.webhook_secret.clone().unwrap();
    let group = http
        .post(format!("{}/notices/telegram/updates", app.address))
        .header("X-Telegram-Bot-Api-Secret-Token", &secret)
        .json(&update(-100123, "group", &format!("/start {third}")))
        .send()
        .await
        .unwrap();
    assert_eq!(group.status(), reqwest::StatusCode::OK);
    assert_eq!(
        notices.preferences(&pinfl).await.unwrap().addresses.len(),
        1
    );
    assert_eq!(
        notices.telegram_started(&third, "700555444").await.unwrap(),
        Some(pinfl.clone())
    );
    // Asking for links to flood someone is limited like codes are.
    for _ in 0..2 {
        let _ = notices.telegram_link(&pinfl, yagona_core::Locale::Ru).await;
    }
    assert!(matches!(
        notices.telegram_link(&pinfl, yagona_core::Locale::Ru).await,
        Err(yagona_notices::NoticeError::TooMany)
    ));
}

on_both_databases!(
    a_citizen_hears_of_the_fee_by_sms_and_email_and_the_sms_is_delivered,
    sms_wait_for_the_morning_unless_urgent,
    a_send_a_node_did_not_finish_is_failed_not_sent_again,
    a_gateway_that_is_down_is_tried_with_back_off_then_given_up,
    a_citizen_adds_a_phone_confirms_it_with_the_sms_code_and_sees_what_was_sent,
    telegram_delivers_and_a_blocked_bot_is_given_up_at_once,
    a_citizen_links_telegram_by_pressing_start_and_the_link_works_once,
    a_phone_in_appeal_gets_its_tracking_number_by_sms_and_its_page_says_it_arrived,
);
