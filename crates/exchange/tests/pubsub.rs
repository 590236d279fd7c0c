//! The pub/sub store on both databases: pushes are claimed once, by a node that may make them,
//! and come back after a failure on the back-off schedule.

use serde_json::json;
use yagona_db::Db;
use yagona_exchange::pubsub::{PubSub, SubscriptionRequest};
use yagona_exchange::ClientId;

async fn claims(db: Db) {
    PubSub::migrate(&db).await.unwrap();
    let store = PubSub { db: &db };
    let room = ClientId::subsystem("UZ", "GOV", "201122919", "events");
    let publisher = ClientId::subsystem("UZ", "GOV", "201122919", "civil-records");
    let subscriber = ClientId::subsystem("UZ", "GOV", "201589236", "docflow");
    store
        .create_event_type(&room, "birth-registered", &json!({"type": "object"}))
        .await
        .unwrap();
    let request = SubscriptionRequest {
        delivery: Some("PUSH".into()),
        push_service: Some("inbox".into()),
        options: None,
    };
    store
        .subscribe(&room, "birth-registered", &subscriber, &request)
        .await
        .unwrap();
    let id = store
        .publish(
            &room,
            "birth-registered",
            &publisher,
            &json!({"n": 1}),
            "m-1",
        )
        .await
        .unwrap();
    let lease = chrono::Duration::seconds(60);

    // A node without the room's key leaves the push alone (and does not lock it).
    assert!(store
        .due_pushes(10, lease, |_| false)
        .await
        .unwrap()
        .is_empty());
    // The node with the key claims it, once.
    let due = store.due_pushes(10, lease, |r| r == &room).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].item.id, id);
    assert_eq!(due[0].subscriber, subscriber);
    assert!(
        store
            .due_pushes(10, lease, |_| true)
            .await
            .unwrap()
            .is_empty(),
        "claimed pushes are not claimed again while leased"
    );
    // A failed push waits for its back-off before it is due again.
    store
        .push_failed(&due[0], "the subscriber answered 503")
        .await
        .unwrap();
    assert!(store
        .due_pushes(10, lease, |_| true)
        .await
        .unwrap()
        .is_empty());
    let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM pubsub_deliveries")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again = store.due_pushes(10, lease, |_| true).await.unwrap();
    assert_eq!(again.len(), 1, "due again after a second");
    store.pushed(&again[0]).await.unwrap();
    assert!(store
        .due_pushes(10, lease, |_| true)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn pushes_are_claimed_once_by_a_node_that_may_make_them_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap();
    claims(db).await;
}

#[tokio::test]
async fn pushes_are_claimed_once_by_a_node_that_may_make_them_on_postgres() {
    yagona_db::testing::on_postgres("xpubsub", claims).await;
}
