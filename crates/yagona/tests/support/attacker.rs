//! What someone with write access to the database can do to the message log, for the tests
//! that show it is caught.

use yagona_db::Db;
use yagona_exchange::evidence::Entry;

/// Removes every entry, sets the head back, and appends the entries given again — renumbered
/// and chained anew, with the seals they carried.
pub async fn rewrite_log(db: &Db, log: Vec<Entry>) {
    sqlx::query("DELETE FROM exchange_log")
        .execute(&db.writer)
        .await
        .unwrap();
    sqlx::query("UPDATE exchange_log_head SET seq = 0, hash = '', link = '' WHERE id = 1")
        .execute(&db.writer)
        .await
        .unwrap();
    yagona_exchange::log::append_all(db, log).await.unwrap();
}
