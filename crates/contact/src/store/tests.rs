//! The store's rules on a real (SQLite) database: who may do what, tracking, figures.

use crate::topics::{Answer, ContactData};
use crate::{
    Actor, Appeal, AppealError, AppealStore, Channel, Guesser, Kind, NewAppeal, Period, Problem,
    Status, Viewer,
};
use std::collections::HashMap;
use tempfile::TempDir;
use yagona_core::{
    format_timestamp, now, tashkent_date, Code, I18nText, Locale, Pinfl, Stir, TrackingNumber,
};
use yagona_db::Db;
use yagona_registry::{Agency, AgencyKind, Catalogue, Registry};

const TAX: &str = "tax-committee";
const INTERIOR: &str = "interior";
const PHONE: &str = "+998901234567";

struct Desk {
    _dir: TempDir,
    db: Db,
    cat: Catalogue,
}

impl Desk {
    async fn open() -> Desk {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let db = Db::connect(&Db::sqlite_url_in(dir.path()))
            .await
            .expect("an SQLite database");
        AppealStore::migrate(&db).await.expect("migrations");
        yagona_identity::IdentityStore::migrate(&db)
            .await
            .expect("identity's migrations (attempts)");
        let agency = |code: &str| Agency {
            code: Code::parse(code).unwrap(),
            kind: AgencyKind::Committee,
            stir: Stir::parse("201234567").unwrap(),
            website: None,
            phone: None,
            name: I18nText::same(code),
            short_name: None,
        };
        let registry = Registry {
            agencies: vec![agency(TAX), agency(INTERIOR)],
            ..Registry::default()
        };
        Desk {
            _dir: dir,
            db,
            cat: Catalogue::new(registry, 1, HashMap::new()),
        }
    }

    fn store(&self) -> AppealStore<'_> {
        AppealStore { db: &self.db }
    }

    /// An appeal an operator recorded from a phone call.
    async fn call(&self, pinfl: Option<&Pinfl>, locale: Locale) -> Appeal {
        let mut new = NewAppeal::new(
            Kind::Complaint,
            Channel::Phone,
            "Passport not issued",
            "Applied a month ago, still nothing.",
            "Aziza Karimova",
            locale,
            operator(),
        );
        new.phone = Some(PHONE.into());
        new.pinfl = pinfl.cloned();
        self.store()
            .create(&self.cat, new)
            .await
            .expect("filed")
            .appeal
    }

    async fn routed_to(&self, agency: &str) -> Appeal {
        let a = self.call(None, Locale::Uz).await;
        self.store()
            .assign(&a.id, &operator(), agency, &self.cat)
            .await
            .expect("assigned")
    }

    async fn history(&self, id: &TrackingNumber) -> Vec<String> {
        let events = self.store().events(id, true).await.unwrap();
        events.into_iter().map(|e| e.action).collect()
    }
}

fn operator() -> Actor {
    Actor::Operator {
        user_id: "op-1".into(),
        name: "Dilnoza".into(),
    }
}

fn officer(agency: &str) -> Actor {
    Actor::Officer {
        user_id: "of-1".into(),
        name: "Jasur".into(),
        agency: agency.into(),
    }
}

fn not_allowed<T: std::fmt::Debug>(r: Result<T, AppealError>) {
    assert!(
        matches!(r, Err(AppealError::NotAllowed)),
        "expected NotAllowed, got {r:?}"
    );
}

#[tokio::test]
async fn an_officer_cannot_assign_or_merge() {
    let desk = Desk::open().await;
    let s = desk.store();
    let a = desk.call(None, Locale::Uz).await;
    let b = desk.call(None, Locale::Uz).await;
    let them = officer(TAX);
    not_allowed(s.assign(&a.id, &them, TAX, &desk.cat).await);
    not_allowed(s.merge(&a.id, &them, b.id.as_str()).await);
    let after = s.get(&a.id, Viewer::Centre).await.unwrap().unwrap();
    assert_eq!(after.revision, a.revision, "nothing changed");
    assert_eq!(desk.history(&a.id).await, ["received"]);
    // An operator may do both.
    s.assign(&a.id, &operator(), TAX, &desk.cat).await.unwrap();
    let merged = s.merge(&a.id, &operator(), b.id.as_str()).await.unwrap();
    assert_eq!(merged.merged_into.as_ref(), Some(&b.id));
    assert_eq!(desk.history(&b.id).await, ["received", "merged-from"]);
}

#[tokio::test]
async fn an_operator_cannot_take_or_extend() {
    let desk = Desk::open().await;
    let s = desk.store();
    let a = desk.routed_to(TAX).await;
    not_allowed(s.take(&a.id, &operator()).await);
    not_allowed(
        s.extend(&a.id, &operator(), "Needs an inspection", &desk.cat)
            .await,
    );
    assert_eq!(
        s.get(&a.id, Viewer::Centre)
            .await
            .unwrap()
            .unwrap()
            .revision,
        a.revision
    );
    // The agency's officer may.
    let taken = s.take(&a.id, &officer(TAX)).await.unwrap();
    assert_eq!(taken.status, Status::InProgress);
    let extended = s
        .extend(&a.id, &officer(TAX), "Needs an inspection", &desk.cat)
        .await
        .unwrap();
    assert!(extended.extended);
}

#[tokio::test]
async fn an_officer_acts_only_on_the_appeals_of_their_agency() {
    let desk = Desk::open().await;
    let s = desk.store();
    let a = desk.routed_to(TAX).await;
    let r = s.take(&a.id, &officer(INTERIOR)).await;
    assert!(matches!(r, Err(AppealError::NotFound)), "{r:?}");
}

#[tokio::test]
async fn applicants_and_clients_cannot_act_from_the_desk() {
    let desk = Desk::open().await;
    let s = desk.store();
    let a = desk.call(None, Locale::Uz).await;
    let applicant = Actor::Applicant {
        name: "Aziza".into(),
        pinfl: None,
    };
    not_allowed(s.reply(&a.id, &applicant, "Done.").await);
    not_allowed(s.note(&a.id, &Actor::System, "A note").await);
    not_allowed(s.close(&a.id, &officer(TAX), None).await);
}

#[tokio::test]
async fn only_the_applicant_s_side_may_rate_or_reopen() {
    let desk = Desk::open().await;
    let s = desk.store();
    let pinfl = Pinfl::parse("31203870220012").unwrap();
    let a = desk.call(Some(&pinfl), Locale::Uz).await;
    s.reply(&a.id, &operator(), "Your passport is ready.")
        .await
        .unwrap();
    let applicant = Actor::Applicant {
        name: a.name.clone(),
        pinfl: Some(pinfl.clone()),
    };
    for holder in [Viewer::Centre, Viewer::Agency(TAX), Viewer::Client("app")] {
        not_allowed(s.rate(&a.id, holder, &applicant, 5, "").await);
        not_allowed(
            s.reopen(&a.id, holder, &applicant, "Not ready", &desk.cat)
                .await,
        );
    }
    let rated = s
        .rate(&a.id, Viewer::Citizen(&pinfl), &applicant, 5, "Thanks")
        .await
        .unwrap();
    assert_eq!(rated.status, Status::Closed);
    assert_eq!(rated.rating, Some(5));
}

#[tokio::test]
async fn only_an_operator_answering_a_received_appeal_answers_at_first_contact() {
    let desk = Desk::open().await;
    let s = desk.store();
    let at_centre = desk.call(None, Locale::Uz).await;
    let answered = s
        .reply(&at_centre.id, &operator(), "Your passport is ready.")
        .await
        .unwrap();
    assert!(answered.first_contact);
    assert_eq!(answered.status, Status::Answered);
    let routed = desk.routed_to(TAX).await;
    let answered = s
        .reply(&routed.id, &officer(TAX), "Your passport is ready.")
        .await
        .unwrap();
    assert!(!answered.first_contact);
}

#[tokio::test]
async fn a_knowledge_base_answer_is_given_in_the_appeal_s_language() {
    let desk = Desk::open().await;
    let s = desk.store();
    let knowledge = ContactData {
        topics: vec![],
        answers: vec![Answer {
            code: Code::parse("passport-ready").unwrap(),
            service: Some(Code::parse("passport").unwrap()),
            topic: None,
            question: I18nText::same("When is my passport ready?"),
            text: I18nText {
                uz: "Pasport tayyor.".into(),
                uz_cyrl: "Паспорт тайёр.".into(),
                ru: "Паспорт готов.".into(),
                en: "The passport is ready.".into(),
            },
        }],
    };
    let a = desk.call(None, Locale::Ru).await;
    for code in ["", "no-such-answer"] {
        let r = s.answer(&a.id, &operator(), code, &knowledge).await;
        assert!(
            matches!(
                r,
                Err(AppealError::Invalid {
                    field: "kb",
                    problem: Problem::Required
                })
            ),
            "{code:?}: {r:?}"
        );
    }
    not_allowed(
        s.answer(&a.id, &Actor::System, "passport-ready", &knowledge)
            .await,
    );
    s.answer(&a.id, &operator(), "passport-ready", &knowledge)
        .await
        .unwrap();
    let events = s.events(&a.id, false).await.unwrap();
    let reply = events.iter().find(|e| e.action == "replied").unwrap();
    assert_eq!(reply.body.as_deref(), Some("Паспорт готов."));
}

#[tokio::test]
async fn the_system_closes_answered_appeals_after_the_reopening_period() {
    let desk = Desk::open().await;
    let s = desk.store();
    let a = desk.call(None, Locale::Uz).await;
    s.reply(&a.id, &operator(), "Done.").await.unwrap();
    let later = now() + chrono::Duration::days(crate::REOPEN_DAYS + 2);
    assert_eq!(s.close_unreopened(later).await.unwrap(), 1);
    let closed = s.get(&a.id, Viewer::Centre).await.unwrap().unwrap();
    assert_eq!(closed.status, Status::Closed);
}

#[tokio::test]
async fn ten_wrong_checks_lock_out_the_guesser_and_never_the_owner() {
    let desk = Desk::open().await;
    let s = desk.store();
    let (guesser, owner) = (Guesser("203.0.113.5"), Guesser("198.51.100.7"));
    let a = desk.call(None, Locale::Uz).await;
    let b = desk.call(None, Locale::Uz).await;
    // As people type it: any case, spaces, the phone without +998.
    let typed = a.id.as_str().to_lowercase();
    let found = s.track(&owner, &typed, "90 123 45 67").await.unwrap();
    assert_eq!(found.id, a.id);
    // A malformed number or check, or the wrong check: the same "not found".
    for (number, check) in [
        ("MR-0000", PHONE),
        (a.id.as_str(), "not a phone"),
        (a.id.as_str(), "+998 90 000 00 00"),
    ] {
        let r = s.track(&guesser, number, check).await;
        assert!(matches!(r, Err(AppealError::NotFound)), "{r:?}");
    }
    // Two wrong checks so far; eight more and the guesser is refused, even the right check
    // and on another number.
    for _ in 0..8 {
        let r = s.track(&guesser, a.id.as_str(), "+998 90 000 00 00").await;
        assert!(matches!(r, Err(AppealError::NotFound)), "{r:?}");
    }
    for id in [&a.id, &b.id] {
        let r = s.track(&guesser, id.as_str(), PHONE).await;
        assert!(matches!(r, Err(AppealError::TooManyTries)), "{r:?}");
    }
    // The owner follows their appeal as before.
    assert_eq!(
        s.track(&owner, a.id.as_str(), PHONE).await.unwrap().id,
        a.id
    );
}

#[tokio::test]
async fn figures_count_the_appeals_received_on_the_period_s_tashkent_days() {
    let desk = Desk::open().await;
    let s = desk.store();
    let today = tashkent_date(&now());
    let yesterday = today.pred_opt().unwrap();
    desk.call(None, Locale::Uz).await;
    let mut letter = NewAppeal::new(
        Kind::Inquiry,
        Channel::Portal,
        "A letter",
        "Received by post yesterday.",
        "Aziza Karimova",
        Locale::Uz,
        operator(),
    );
    letter.email = Some("aziza@example.uz".into());
    letter.received_on = Some(yesterday);
    s.create(&desk.cat, letter).await.unwrap();
    let count = |p: Period| {
        let s = &s;
        async move { s.figures(&p, today).await.unwrap().total.appeals }
    };
    let last_30_days = Period::parse("", "", today).unwrap();
    assert_eq!(count(last_30_days).await, 2);
    assert_eq!(
        count(Period {
            from: yesterday,
            to: yesterday
        })
        .await,
        1
    );
    assert_eq!(
        count(Period {
            from: today,
            to: today
        })
        .await,
        1
    );
    let figures = s.figures(&last_30_days, today).await.unwrap();
    assert_eq!(figures.period, last_30_days);
}

#[tokio::test]
async fn timestamps_are_written_out_as_stored() {
    let desk = Desk::open().await;
    let s = desk.store();
    let a = desk.call(None, Locale::Uz).await;
    let stored: String = sqlx::query_scalar("SELECT received_at FROM appeals WHERE id = $1")
        .bind(a.id.as_str())
        .fetch_one(&desk.db.pool)
        .await
        .unwrap();
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["received_at"], stored.as_str());
    assert_eq!(json["id"], a.id.as_str());
    assert_eq!(json["answered_at"], serde_json::Value::Null);
    assert_eq!(format_timestamp(&a.received_at), stored);
    let replied = s.reply(&a.id, &operator(), "Done.").await.unwrap();
    let json = serde_json::to_value(&replied).unwrap();
    assert!(json["answered_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
}

#[tokio::test]
async fn a_malformed_stored_moment_is_corrupt() {
    let desk = Desk::open().await;
    let s = desk.store();
    let a = desk.call(None, Locale::Uz).await;
    sqlx::query("UPDATE appeals SET updated_at = 'yesterday' WHERE id = $1")
        .bind(a.id.as_str())
        .execute(&desk.db.writer)
        .await
        .unwrap();
    let r = s.get(&a.id, Viewer::Centre).await;
    assert!(
        matches!(r, Err(AppealError::Db(yagona_db::DbError::Corrupt(_)))),
        "{r:?}"
    );
}

#[tokio::test]
async fn only_the_contact_centre_records_calls_and_answers_them_at_first_contact() {
    let desk = Desk::open().await;
    let s = desk.store();
    let citizen = Actor::Applicant {
        name: "Aziza Karimova".into(),
        pinfl: None,
    };
    let mut call = NewAppeal::new(
        Kind::Inquiry,
        Channel::Phone,
        "Passport",
        "How long does it take?",
        "Aziza Karimova",
        Locale::Ru,
        citizen.clone(),
    );
    call.phone = Some(PHONE.into());
    not_allowed(s.create(&desk.cat, call.clone()).await);
    let mut portal = call.clone();
    portal.channel = Channel::Portal;
    portal.first_contact_answer = Some("Ten days.".into());
    not_allowed(s.create(&desk.cat, portal).await);
    // The operator answers from the knowledge base: in the caller's language.
    crate::topics::TopicStore { db: &desk.db }
        .import(&ContactData {
            answers: vec![Answer {
                code: Code::parse("passport-how-long").unwrap(),
                service: None,
                topic: None,
                question: I18nText::same("How long?"),
                text: I18nText {
                    uz: "Oʻn kun.".into(),
                    uz_cyrl: "Ўн кун.".into(),
                    ru: "Десять дней.".into(),
                    en: "Ten days.".into(),
                },
            }],
            ..ContactData::default()
        })
        .await
        .unwrap();
    call.actor = operator();
    call.first_contact_kb = Some("no-such-answer".into());
    assert!(matches!(
        s.create(&desk.cat, call.clone()).await,
        Err(AppealError::Invalid { field: "kb", .. })
    ));
    call.first_contact_kb = Some("passport-how-long".into());
    let filed = s.create(&desk.cat, call).await.unwrap().appeal;
    assert!(filed.first_contact);
    let events = s.events(&filed.id, false).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.action == "replied" && e.body.as_deref() == Some("Десять дней.")),
        "{events:?}"
    );
}

#[tokio::test]
async fn people_file_for_themselves_only() {
    let desk = Desk::open().await;
    let s = desk.store();
    let own = Pinfl::parse("31203870220012").unwrap();
    let someone_else = Pinfl::parse("30912850420017").unwrap();
    let from = |pinfl: Option<Pinfl>| {
        let mut new = NewAppeal::new(
            Kind::Complaint,
            Channel::Portal,
            "Passport",
            "It is late.",
            "Aziza Karimova",
            Locale::Uz,
            Actor::Applicant {
                name: "Aziza Karimova".into(),
                pinfl,
            },
        );
        new.phone = Some(PHONE.into());
        new
    };
    // Anonymous, or signed in as someone else: the appeal cannot name another person.
    let mut anonymous = from(None);
    anonymous.pinfl = Some(someone_else.clone());
    not_allowed(s.create(&desk.cat, anonymous).await);
    let mut other = from(Some(own.clone()));
    other.pinfl = Some(someone_else.clone());
    not_allowed(s.create(&desk.cat, other).await);
    // Nor date itself back, nor ask for the longer period of an appeal that needs checking.
    let mut backdated = from(Some(own.clone()));
    backdated.received_on = tashkent_date(&now()).checked_sub_days(chrono::Days::new(20));
    not_allowed(s.create(&desk.cat, backdated).await);
    let mut longer = from(Some(own.clone()));
    longer.needs_checking = true;
    not_allowed(s.create(&desk.cat, longer).await);
    assert!(s
        .queue(
            Viewer::Citizen(&someone_else),
            &crate::QueueFilter::default()
        )
        .await
        .unwrap()
        .is_empty());
    // Their own: filed, and on their list.
    let mut mine = from(Some(own.clone()));
    mine.pinfl = Some(own.clone());
    let filed = s.create(&desk.cat, mine).await.unwrap().appeal;
    assert_eq!(filed.pinfl.as_ref(), Some(&own));
}

#[tokio::test]
async fn a_browser_that_proved_the_check_follows_that_appeal_only_while_its_grant_lasts() {
    let desk = Desk::open().await;
    let s = desk.store();
    let a = desk.call(None, Locale::Uz).await;
    let b = desk.call(None, Locale::Uz).await;
    let guesser = Guesser("203.0.113.9");
    // A wrong check grants nothing.
    assert!(s
        .follow(&guesser, "session-one", a.id.as_str(), "+998 90 000 00 00")
        .await
        .is_err());
    assert_eq!(
        s.granted("session-one", &a.id).await.unwrap().map(|g| g.0),
        None
    );
    // The right one grants that appeal to that browser session: not the other appeal of the
    // same phone, not another session.
    s.follow(&guesser, "session-one", a.id.as_str(), "90 123 45 67")
        .await
        .unwrap();
    let (contact, held) = s.granted("session-one", &a.id).await.unwrap().unwrap();
    assert_eq!((contact.as_str(), &held.id), (PHONE, &a.id));
    assert_eq!(
        s.granted("session-one", &b.id).await.unwrap().map(|g| g.0),
        None
    );
    assert_eq!(
        s.granted("session-two", &a.id).await.unwrap().map(|g| g.0),
        None
    );
    // Only a hash of the session is kept.
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM appeal_follows WHERE session_hash = 'session-one'",
    )
    .fetch_one(&desk.db.pool)
    .await
    .unwrap();
    assert_eq!(kept, 0);
    // Lapsed: the check is asked again; and a lapsed grant is cleared by the next one.
    sqlx::query("UPDATE appeal_follows SET expires_at = $1")
        .bind(format_timestamp(&(now() - chrono::Duration::minutes(1))))
        .execute(&desk.db.writer)
        .await
        .unwrap();
    assert_eq!(
        s.granted("session-one", &a.id).await.unwrap().map(|g| g.0),
        None
    );
    s.grant("session-two", &b.id, PHONE).await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM appeal_follows")
        .fetch_one(&desk.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 1);
    // A grant for a contact the appeal is not filed with reads as none.
    s.grant("session-three", &a.id, "someone@example.uz")
        .await
        .unwrap();
    assert_eq!(
        s.granted("session-three", &a.id)
            .await
            .unwrap()
            .map(|g| g.0),
        None
    );
}
