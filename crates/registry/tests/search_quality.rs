//! Search quality on the demo registry: queries people type in Uzbek (Latin and Cyrillic),
//! Russian and English — with misspellings, plurals, inflections and the other script — and the
//! service each should find first.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;
use yagona_registry::{files, Catalogue, Popularity};

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../registry");
        let registry = files::read_dir(&root).expect("the demo registry reads");
        Catalogue::new(registry, 1, HashMap::new())
    })
}

fn codes(query: &str) -> Vec<String> {
    catalogue()
        .search(query, 20)
        .iter()
        .map(|h| h.service.passport.code.to_string())
        .collect()
}

fn first(query: &str) -> Option<String> {
    codes(query).into_iter().next()
}

/// (query, the service that should come first).
const QUERIES: &[(&str, &str)] = &[
    // Uzbek, Latin script
    ("tugʻilish", "birth-registration"),
    ("tug'ilish", "birth-registration"),
    ("tugilish guvohnomasi", "birth-registration"),
    ("tugulish", "birth-registration"),
    ("nikoh", "marriage-registration"),
    ("nikohni roʻyxatdan oʻtkazish", "marriage-registration"),
    ("pasport", "passport-id-card"),
    ("id karta", "passport-id-card"),
    ("kadastr koʻchirmasi", "cadastral-extract"),
    ("kadastr kochirmasi", "cadastral-extract"),
    ("propiska", "residence-registration"),
    ("yakka tartibdagi tadbirkor", "sole-proprietor-registration"),
    ("oʻzini oʻzi band qilgan", "self-employed-registration"),
    ("ishsizlik nafaqasi", "unemployed-registration"),
    (
        "sudlanmaganlik haqida maʼlumotnoma",
        "no-criminal-record-certificate",
    ),
    ("soliq qarzi", "tax-debt-certificate"),
    ("bogʻcha", "kindergarten-enrolment"),
    ("bogcha", "kindergarten-enrolment"),
    ("maktabga qabul", "first-grade-enrolment"),
    ("qurilish ruxsatnomasi", "construction-permit"),
    ("suyunchi", "birth-allowance"),
    ("mchj", "llc-registration"),
    ("kam taminlangan oilalar", "low-income-family-benefit"),
    ("086 maʼlumotnoma", "medical-certificate-086"),
    ("takroriy guvohnoma", "civil-certificate-duplicate"),
    ("uyni foydalanishga qabul qilish", "house-commissioning"),
    ("mulk huquqi", "property-rights-registration"),
    ("nikox", "marriage-registration"),
    ("ishsiz", "unemployed-registration"),
    ("ruxsatnoma qurilish", "construction-permit"),
    ("yer uchastkasi kadastr", "cadastral-extract"),
    // Uzbek, Cyrillic script
    ("туғилиш", "birth-registration"),
    ("туғулиш", "birth-registration"),
    ("никоҳ", "marriage-registration"),
    ("паспорт", "passport-id-card"),
    ("кадастр кўчирмаси", "cadastral-extract"),
    ("прописка", "residence-registration"),
    ("якка тартибдаги тадбиркор", "sole-proprietor-registration"),
    ("ишсизлик нафақаси", "unemployed-registration"),
    ("судланмаганлик", "no-criminal-record-certificate"),
    ("солиқ қарзи йўқлиги", "tax-debt-certificate"),
    ("боғча", "kindergarten-enrolment"),
    ("биринчи синф", "first-grade-enrolment"),
    ("қурилишга рухсатнома", "construction-permit"),
    ("суюнчи пули", "birth-allowance"),
    ("такрорий гувоҳнома", "civil-certificate-duplicate"),
    ("никоҳни рўйхатдан ўтказиш", "marriage-registration"),
    // Russian
    ("регистрация рождения", "birth-registration"),
    ("свидетельство о рождении", "birth-registration"),
    ("регистрация брака", "marriage-registration"),
    ("паспорта", "passport-id-card"),
    ("замена паспорта", "passport-id-card"),
    ("выписка из кадастра", "cadastral-extract"),
    ("справка о несудимости", "no-criminal-record-certificate"),
    (
        "справка об отсутствии судимости",
        "no-criminal-record-certificate",
    ),
    ("налоговая задолженность", "tax-debt-certificate"),
    ("детский сад", "kindergarten-enrolment"),
    ("первый класс", "first-grade-enrolment"),
    ("разрешение на строительство", "construction-permit"),
    ("регистрация ооо", "llc-registration"),
    ("самозанятый", "self-employed-registration"),
    (
        "индивидуальный предприниматель",
        "sole-proprietor-registration",
    ),
    ("пособие по безработице", "unemployed-registration"),
    ("регистрацыя рождения", "birth-registration"),
    ("прописка по месту жительства", "residence-registration"),
    ("медицинская справка 086", "medical-certificate-086"),
    ("дубликат свидетельства", "civil-certificate-duplicate"),
    ("единовременное пособие при рождении", "birth-allowance"),
    ("свидетелство о браке", "marriage-registration"),
    ("детсад", "kindergarten-enrolment"),
    (
        "справка о несудимости для визы",
        "no-criminal-record-certificate",
    ),
    ("ввод дома в эксплуатацию", "house-commissioning"),
    // English
    ("birth", "birth-registration"),
    ("births", "birth-registration"),
    ("brith certficate", "birth-registration"),
    ("register a birth", "birth-registration"),
    ("marriage", "marriage-registration"),
    ("marrige registration", "marriage-registration"),
    ("passport", "passport-id-card"),
    ("pasport", "passport-id-card"),
    ("id card", "passport-id-card"),
    ("cadastral extract", "cadastral-extract"),
    (
        "criminal record certificate",
        "no-criminal-record-certificate",
    ),
    ("tax debt", "tax-debt-certificate"),
    ("kindergarten", "kindergarten-enrolment"),
    ("kindergarden", "kindergarten-enrolment"),
    ("school enrolment", "first-grade-enrolment"),
    ("building permit", "construction-permit"),
    ("limited liability company", "llc-registration"),
    ("self employed", "self-employed-registration"),
    ("sole proprietor", "sole-proprietor-registration"),
    ("unemployment benefit", "unemployed-registration"),
    ("low income families", "low-income-family-benefit"),
    ("medical certificate", "medical-certificate-086"),
    ("duplicate certificate", "civil-certificate-duplicate"),
    ("property rights", "property-rights-registration"),
    ("residence registration", "residence-registration"),
    ("buiding permits", "construction-permit"),
    ("how to get an id card", "passport-id-card"),
    ("lost birth certificate", "civil-certificate-duplicate"),
    ("newborn payment", "birth-allowance"),
    ("freelancer", "self-employed-registration"),
];

#[test]
fn the_right_service_comes_first_for_nine_queries_in_ten() {
    assert!(QUERIES.len() >= 60);
    let mut failures = Vec::new();
    for (query, expected) in QUERIES {
        let found = codes(query);
        if found.first().map(String::as_str) != Some(*expected) {
            failures.push(format!(
                "{query:?}: expected {expected}, found {:?}",
                &found[..found.len().min(3)]
            ));
        }
    }
    let right = QUERIES.len() - failures.len();
    let accuracy = right as f64 / QUERIES.len() as f64;
    println!(
        "search top-1 accuracy: {right}/{} = {:.1}%",
        QUERIES.len(),
        accuracy * 100.0
    );
    for f in &failures {
        println!("  miss: {f}");
    }
    assert!(
        accuracy >= 0.9,
        "top-1 accuracy {:.1}% < 90%: {failures:#?}",
        accuracy * 100.0
    );
}

#[test]
fn plurals_typos_and_the_other_script_find_birth_registration() {
    for q in [
        "births",
        "tugulish",
        "brith certficate",
        "туғулиш",
        "tugʻilishni",
    ] {
        assert_eq!(
            first(q).as_deref(),
            Some("birth-registration"),
            "{q:?}: {:?}",
            codes(q)
        );
    }
}

#[test]
fn birth_ranks_birth_registration_first() {
    assert_eq!(first("birth").as_deref(), Some("birth-registration"));
}

#[test]
fn pasport_ranks_the_id_card_above_the_cadastral_extract() {
    let found = codes("pasport");
    assert_eq!(found.first().map(String::as_str), Some("passport-id-card"));
    if let Some(cadastral) = found.iter().position(|c| c == "cadastral-extract") {
        assert!(cadastral > 0);
    }
}

#[test]
fn corrected_queries_are_offered_as_did_you_mean_in_the_typed_script() {
    let cat = catalogue();
    let none = Popularity::default();
    let r = cat.find("brith certficate", 10, &none);
    assert_eq!(r.did_you_mean.as_deref(), Some("birth certificate"));
    let r = cat.find("tugulish", 10, &none);
    assert_eq!(r.did_you_mean.as_deref(), Some("tugʻilish"));
    let r = cat.find("туғулиш", 10, &none);
    assert_eq!(r.did_you_mean.as_deref(), Some("туғилиш"));
    // Words that matched stay as typed; nothing corrected, nothing offered.
    let r = cat.find("birth", 10, &none);
    assert_eq!(r.did_you_mean, None);
    let r = cat.find("register a brith", 10, &none);
    assert_eq!(r.did_you_mean.as_deref(), Some("register a birth"));
    // Short words are not corrected; nonsense finds nothing and suggests nothing.
    let r = cat.find("qwzx nothing", 10, &none);
    assert!(r.hits.is_empty());
    assert_eq!(r.did_you_mean, None);
}

#[test]
fn popularity_orders_services_that_match_equally_well() {
    let cat = catalogue();
    let order = |popularity: &Popularity| -> Vec<String> {
        cat.find("registration", 20, popularity)
            .hits
            .iter()
            .map(|h| h.service.passport.code.to_string())
            .collect()
    };
    // "Birth registration" and "Marriage registration" match equally well: registry order.
    let plain = order(&Popularity::default());
    assert_eq!(plain[..2], ["birth-registration", "marriage-registration"]);
    // The one people apply for more comes first; popularity orders, it does not filter.
    let popular = order(&Popularity::new([("marriage-registration".to_owned(), 40)]));
    assert_eq!(
        popular[..2],
        ["marriage-registration", "birth-registration"]
    );
    assert_eq!(popular.len(), plain.len());
    // But never above a better title match: a long title containing the word stays below.
    let popular = order(&Popularity::new([(
        "unemployed-registration".to_owned(),
        1_000,
    )]));
    assert_eq!(
        popular[..2],
        ["birth-registration", "marriage-registration"]
    );
}
