//! Forgiving search through the edges: the portal's "Did you mean …?" link (no JavaScript) and
//! the JSON API's `did_you_mean`.

mod common;
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

on_both_databases!(misspelt_searches_offer_the_corrected_query_on_the_page_and_in_the_api);

async fn misspelt_searches_offer_the_corrected_query_on_the_page_and_in_the_api(app: TestApp) {
    let mut b = app.client();
    // The portal: results for the corrected words, and a link to search for them.
    let page = b.get("/services?q=brith+certficate&lang=en").await;
    assert!(
        page.contains("/services/birth-registration"),
        "{}",
        page.body
    );
    assert!(page.contains("Did you mean"), "{}", page.body);
    assert!(
        page.contains("href=\"/services?q=birth+certificate\""),
        "{}",
        page.body
    );
    // In every language, in the script the word was typed in.
    let page = b
        .get("/services?q=%D1%82%D1%83%D2%93%D1%83%D0%BB%D0%B8%D1%88&lang=uz-Cyrl")
        .await;
    assert!(page.contains("Буни назарда тутдингизми"), "{}", page.body);
    assert!(page.contains(">туғилиш</a>"), "{}", page.body);
    // Nothing corrected, nothing offered.
    let page = b.get("/services?q=birth&lang=en").await;
    assert!(!page.contains("Did you mean"));

    // The API: the same, as a field.
    let found = b.get("/api/v1/search?q=tugulish").await;
    assert_eq!(found.status, StatusCode::OK);
    let found: Value = serde_json::from_str(&found.body).unwrap();
    assert_eq!(found["did_you_mean"], "tugʻilish");
    assert_eq!(found["services"][0]["code"], "birth-registration");
    let found: Value = serde_json::from_str(&b.get("/api/v1/search?q=birth").await.body).unwrap();
    assert_eq!(found["did_you_mean"], Value::Null);
    assert_eq!(found["services"][0]["code"], "birth-registration");
    let spec: Value = serde_json::from_str(&b.get("/api/openapi.json").await.body).unwrap();
    assert!(spec["components"]["schemas"]["SearchOut"]["properties"]["did_you_mean"].is_object());
    assert!(spec["paths"]["/api/v1/search"]["get"].is_object());
}
