//! Exactly-once under crashes: a real `yagona serve` process is killed (SIGKILL) at random
//! moments and started again, over and over, while an agency system works the jobs of many
//! instances through the job worker API. At the end every instance has completed, and its
//! history holds each step exactly once: no step lost, none done twice.

use rand::Rng;
use serde_json::{json, Map, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use yagona_db::Db;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::ProcessStore;

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="k">
  <process id="crash-test" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    <serviceTask id="a"><extensionElements><zeebe:taskDefinition type="kill.a"/></extensionElements></serviceTask>
    <sequenceFlow id="f2" sourceRef="a" targetRef="split"/>
    <parallelGateway id="split"/>
    <sequenceFlow id="f3" sourceRef="split" targetRef="b"/>
    <sequenceFlow id="f4" sourceRef="split" targetRef="c"/>
    <serviceTask id="b"><extensionElements><zeebe:taskDefinition type="kill.b"/></extensionElements></serviceTask>
    <serviceTask id="c"><extensionElements><zeebe:taskDefinition type="kill.c"/></extensionElements></serviceTask>
    <sequenceFlow id="f5" sourceRef="b" targetRef="join"/>
    <sequenceFlow id="f6" sourceRef="c" targetRef="join"/>
    <parallelGateway id="join"/>
    <sequenceFlow id="f7" sourceRef="join" targetRef="sum"/>
    <scriptTask id="sum"><extensionElements><zeebe:script expression="=b + c" resultVariable="total"/></extensionElements></scriptTask>
    <sequenceFlow id="f8" sourceRef="sum" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"#;

const INSTANCES: usize = 200;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("yagona serve starts")
}

/// A database for the test: SQLite in a folder, or a fresh PostgreSQL schema.
async fn database(dir: &std::path::Path, postgres: Option<&str>) -> String {
    match postgres {
        None => Db::sqlite_url_in(dir),
        Some(url) => {
            let schema = format!("k_{}", rand::random::<u64>());
            let admin = Db::connect(url).await.unwrap();
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&admin.pool)
                .await
                .unwrap();
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}options=-c%20search_path%3D{schema}")
        }
    }
}

async fn crash_again_and_again(postgres: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let url = database(dir.path(), postgres).await;
    let (token, ids) = {
        let db = Db::connect(&url).await.unwrap();
        yagona::migrate(&db).await.unwrap();
        let store = ProcessStore::new(&db, &Feel);
        store.deploy(MODEL).await.unwrap();
        let mut ids = Vec::new();
        for i in 0..INSTANCES {
            ids.push(
                store
                    .start("crash-test", Some(&format!("K-{i}")), Map::new())
                    .await
                    .unwrap(),
            );
        }
        let token = store
            .create_worker(
                "crash-worker",
                &["kill.a".into(), "kill.b".into(), "kill.c".into()],
            )
            .await
            .unwrap();
        db.pool.close().await;
        db.writer.close().await;
        (token, ids)
    };
    let port = free_port();
    let config = dir.path().join("yagona.toml");
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:{port}\"\ndatabase = \"{url}\"\nsecure_cookies = false\n"),
    )
    .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    let mut node = serve(&config);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Four agency-system workers, concurrently, so that kills cut requests in flight.
    let mut workers = Vec::new();
    for n in 0..4 {
        let (http, base, token, stop, sent) = (
            http.clone(),
            base.clone(),
            token.clone(),
            stop.clone(),
            sent.clone(),
        );
        workers.push(tokio::spawn(async move {
            let kinds = ["kill.a", "kill.b", "kill.c"];
            let mut i = n;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                i += 1;
                let kind = kinds[i % 3];
                let activated = http
                    .post(format!("{base}/api/v1/jobs/activate"))
                    .bearer_auth(&token)
                    .json(&json!({"type": kind, "maxJobs": 4, "timeoutMs": 1500, "requestTimeoutMs": 100}))
                    .send()
                    .await;
                let Ok(resp) = activated else {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    continue;
                };
                let Ok(body) = resp.json::<Value>().await else {
                    continue;
                };
                for job in body["jobs"].as_array().cloned().unwrap_or_default() {
                    let key = job["key"].as_str().unwrap_or_default().to_owned();
                    let value = if kind == "kill.b" { 2 } else { 3 };
                    let var = kind.trim_start_matches("kill.");
                    // The answer may be lost with the node; the job is then offered again once
                    // its lock expires, or it is already done: both are fine.
                    let _ = http
                        .post(format!("{base}/api/v1/jobs/{key}/complete"))
                        .bearer_auth(&token)
                        .json(&json!({"variables": {var: value}}))
                        .send()
                        .await;
                    sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    let watcher = Db::connect(&url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(150);
    let mut kills = 0;
    loop {
        assert!(
            Instant::now() < deadline,
            "the instances did not finish in time"
        );
        let finished: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM process_instances WHERE status = 'completed'")
                .fetch_one(&watcher.pool)
                .await
                .unwrap_or(0);
        if finished == INSTANCES as i64 {
            break;
        }
        if kills < 15 {
            let pause = rand::thread_rng().gen_range(100..400);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            // SIGKILL: no shutdown, no flush; whatever was in flight is cut.
            node.kill().ok();
            node.wait().ok();
            kills += 1;
            node = serve(&config);
        } else {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in workers {
        w.await.ok();
    }
    node.kill().ok();
    node.wait().ok();
    let completions_sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    eprintln!(
        "{INSTANCES} instances finished across {kills} kills; {completions_sent} completions sent"
    );
    assert!(kills >= 3, "the node was killed {kills} times only");
    assert!(completions_sent >= 3 * INSTANCES);

    // Every instance: each step exactly once, and the result of all three jobs.
    let store = ProcessStore::new(&watcher, &Feel);
    for id in &ids {
        let history: Vec<String> = store
            .history(id)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.0)
            .collect();
        let mut sorted = history.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            ["a", "b", "c", "e", "join", "s", "split", "sum"],
            "instance {id}: {history:?}"
        );
        let state: String = sqlx::query_scalar("SELECT state FROM process_instances WHERE id = $1")
            .bind(id)
            .fetch_one(&watcher.pool)
            .await
            .unwrap();
        let state: Value = serde_json::from_str(&state).unwrap();
        assert_eq!(state["variables"]["total"], 5, "instance {id}");
    }
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM process_waits")
        .fetch_one(&watcher.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "no job left behind");
    if let Some(schema) = url
        .split("search_path%3D")
        .nth(1)
        .filter(|_| postgres.is_some())
    {
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&watcher.pool)
            .await
            .ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_loses_and_repeats_no_step_sqlite() {
    crash_again_and_again(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_loses_and_repeats_no_step_postgres() {
    match std::env::var("YAGONA_TEST_POSTGRES") {
        Ok(url) => crash_again_and_again(Some(&url)).await,
        Err(_) => assert!(
            std::env::var("CI").is_err(),
            "CI is set but YAGONA_TEST_POSTGRES is not"
        ),
    }
}
