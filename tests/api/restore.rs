//! The restore drill of docs/operations.md, on PostgreSQL: back up a live
//! registry with `pg_dump`, lose the database, restore it with
//! `pg_restore` into an empty one, start a gateway on it, and the change
//! feed resumes from the cursor a mirror saved before the backup: no gap,
//! no duplicate, new changes numbered after the restored ones.

use crate::databases::{admin_url, create_marked, drop_database_blocking, run, with_database};
use crate::helpers::{officer, Backend, TestApp};
use crate::replicas::{national_ready, post, production_gateway, until_ready, Processes};
use crate::writes::{self, registered};
use serde_json::{json, Value};
use std::process::Command;

const CHANGES: &str = "query($after: String) { changes(first: 100, after: $after) { edges { cursor node { sequence kind entityId } } pageInfo { endCursor } } }";

fn sequences(data: &Value) -> Vec<i64> {
    data["changes"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["sequence"].as_str().and_then(|s| s.parse().ok()).expect("sequence"))
        .collect()
}

/// Drops the restored database when the test ends, however it ends.
struct Restored(String);

impl Drop for Restored {
    fn drop(&mut self) {
        drop_database_blocking(self.0.clone());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_wipe_restore_and_the_feed_resumes_postgres() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let t = officer("40");
    for i in 0..3 {
        registered(&app, &t, national_ready(writes::coop(&format!("HTX sao lưu {i}"), "16681"))).await;
    }
    // A mirror has followed the feed to its end before the backup.
    let before = app.data_as(&t, CHANGES, json!({"after": null})).await;
    let seen = sequences(&before);
    assert!(seen.len() >= 3, "{before}");
    let cursor = before["changes"]["pageInfo"]["endCursor"].as_str().expect("cursor").to_owned();

    // Back up the live database (a consistent snapshot while it serves).
    let dump = tempfile::NamedTempFile::new().expect("temp file");
    let out = Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(dump.path())
        .arg(&app.db.url)
        .output()
        .expect("pg_dump runs");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));

    // Lose it: stopping the test app drops its database.
    app.stop().await;

    // Restore into an empty database.
    let name = format!("{}_restored", run().prefix);
    let admin = sea_orm::Database::connect(admin_url()).await.expect("admin");
    create_marked(&admin, &name, None).await;
    let _ = admin.close().await;
    let restored = Restored(name.clone());
    let url = with_database(&admin_url(), &restored.0);
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&url)
        .arg(dump.path())
        .output()
        .expect("pg_restore runs");
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));

    // A production gateway accepts the restored schema (no migration pending).
    let (mut command, base) = production_gateway(&url);
    let mut procs = Processes::default();
    procs.0.push(command.spawn().expect("gateway starts"));
    until_ready(&base).await;

    // The mirror resumes from its cursor: nothing new yet, then exactly the
    // change written after the restore, numbered after everything restored.
    let (status, resumed) = post(&base, &t, CHANGES, json!({"after": cursor})).await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(sequences(&resumed["data"]), Vec::<i64>::new(), "no gap, no duplicate: {resumed}");
    let (status, body) =
        post(&base, &t, writes::REGISTER, json!({"i": national_ready(writes::coop("HTX sau khôi phục", "16681"))}))
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["registerCooperative"]["userErrors"], json!([]), "{body}");
    let (_, after) = post(&base, &t, CHANGES, json!({"after": cursor})).await;
    let new = sequences(&after["data"]);
    assert_eq!(new.len(), 1, "{after}");
    assert!(new[0] > *seen.iter().max().expect("seen"), "{new:?} after {seen:?}");
    let (_, all) = post(&base, &t, CHANGES, json!({"after": null})).await;
    let mut expected = seen.clone();
    expected.extend(&new);
    assert_eq!(sequences(&all["data"]), expected, "the restored feed is the old one plus the new change");
    drop(procs);
    drop(restored);
}
