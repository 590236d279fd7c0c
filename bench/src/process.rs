//! The process engine benchmark: `cargo run --release -p yagona-bench --bin process-bench`.
//!
//! One process — start, service task, exclusive gateway, parallel split into two service tasks,
//! join, merge, user task, end — in three files that differ only in the expression dialect each
//! engine reads (`bench/process/model-*.bpmn`), run to completion many times:
//! - Yagona in memory (the engine core, as `process simulate` runs it),
//! - SpiffWorkflow (PyPI) and bpmn-engine (npm), installed into `bench/.peers/` on first run,
//!   on this machine in this run; it prints completed instances per second and the ratios;
//! - Yagona durable on SQLite (and PostgreSQL when `YAGONA_BENCH_POSTGRES` is set): every step a
//!   transaction (group-committed on SQLite: each client answered only after its step's commit),
//!   instances worked by `BENCH_CLIENTS` concurrent clients (32 unless set).
//!
//! `--durable-only` skips the in-memory comparison and the peers.
//! Targets on 2 cores: in memory ≥ 50× SpiffWorkflow and ≥ 10× bpmn-engine; durable ≥ 1,000
//! completed instances/s on SQLite.

/// The allocator the `yagona` binary uses, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use serde_json::{json, Map};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;
use yagona_db::Db;
use yagona_workflow::engine::{Instance, WaitKind};
use yagona_workflow::feel::Feel;
use yagona_workflow::store::ProcessStore;

const IN_MEMORY: usize = 20_000;
const PEER_RUNS: usize = 1_000;
const DURABLE: usize = 3_000;
fn clients() -> usize {
    std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32)
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn vars() -> Map<String, serde_json::Value> {
    json!({"amount": 1500}).as_object().unwrap().clone()
}

fn yagona_in_memory() -> anyhow::Result<f64> {
    let source = std::fs::read_to_string(dir().join("process/model-yagona.bpmn"))?;
    let defs = yagona_workflow::read(&source)?;
    let run = || -> anyhow::Result<()> {
        let (mut inst, _) = Instance::start(&defs, None, vars(), &Feel)?;
        while let Some(w) = inst
            .waits
            .iter()
            .find(|w| matches!(w.what, WaitKind::Job { .. } | WaitKind::UserTask))
            .map(|w| w.id)
        {
            inst.complete(&defs, w, Map::new(), &Feel)?;
        }
        anyhow::ensure!(inst.ended, "the instance did not complete");
        Ok(())
    };
    run()?;
    let t = Instant::now();
    for _ in 0..IN_MEMORY {
        run()?;
    }
    Ok(IN_MEMORY as f64 / t.elapsed().as_secs_f64())
}

fn sh(cmd: &mut Command) -> anyhow::Result<String> {
    let out = cmd.output()?;
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Installs the peers from their registries on first use (into bench/.peers, not committed).
fn peers() -> anyhow::Result<PathBuf> {
    let peers = dir().join(".peers");
    let python = peers.join("venv/bin/python");
    if !python.exists() {
        eprintln!(
            "installing SpiffWorkflow from PyPI into {} …",
            peers.display()
        );
        sh(Command::new("python3")
            .args(["-m", "venv"])
            .arg(peers.join("venv")))?;
        sh(Command::new(peers.join("venv/bin/pip")).args([
            "install",
            "-q",
            "SpiffWorkflow==3.2.0",
        ]))?;
    }
    if !peers.join("node_modules/bpmn-engine").exists() {
        eprintln!("installing bpmn-engine from npm into {} …", peers.display());
        sh(Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&peers)
            .arg("bpmn-engine@25"))?;
    }
    Ok(peers)
}

fn rate_of(output: &str) -> anyhow::Result<f64> {
    let parts: Vec<&str> = output.split_whitespace().collect();
    anyhow::ensure!(parts.len() == 3, "unexpected peer output {output:?}");
    Ok(parts[1].parse::<f64>()? / parts[2].parse::<f64>()?)
}

async fn durable(label: &str, db: Db) -> anyhow::Result<f64> {
    ProcessStore::migrate(&db).await?;
    let source = std::fs::read_to_string(dir().join("process/model-yagona.bpmn"))?;
    ProcessStore::new(&db, &Feel).deploy(&source).await?;
    let t = Instant::now();
    let clients = clients();
    let per_client = DURABLE / clients;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let store = ProcessStore::new(&db, &Feel);
            for _ in 0..per_client {
                let (id, first) = store.start_step("bench", None, vars()).await?;
                // The open waits, as a worker learns them: from what each step reports (new
                // waits, and those it consumed or withdrew).
                let mut open: Vec<u64> = first.new_waits.iter().map(|w| w.id).collect();
                while let Some(wait) = open.first().copied() {
                    let step = store.complete(&id, wait, Map::new(), None).await?;
                    open.retain(|w| *w != wait && !step.cancelled_waits.contains(w));
                    open.extend(step.new_waits.iter().map(|w| w.id));
                }
                anyhow::ensure!(
                    store.status(&id).await?.0 == "completed",
                    "instance {id} did not complete"
                );
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let rate = (per_client * clients) as f64 / t.elapsed().as_secs_f64();
    println!("Yagona durable, {label} ({clients} clients, each step a transaction acknowledged after its commit, the client following each step's reported waits): {rate:.0} completed instances/s");
    Ok(rate)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!("Process engine benchmark: start → service → exclusive gateway → parallel (2 services) → join → merge → user task → end");
    // `--durable-only` skips the in-memory comparison (for profiling the store).
    let durable_only = std::env::args().any(|a| a == "--durable-only");
    if !durable_only {
        compare_in_memory().await?;
    }
    durable_runs().await
}

async fn compare_in_memory() -> anyhow::Result<()> {
    let yagona = yagona_in_memory()?;
    println!("Yagona in memory:  {yagona:>10.0} completed instances/s ({IN_MEMORY} runs)");
    let peers = peers()?;
    let spiff = rate_of(&sh(Command::new(peers.join("venv/bin/python"))
        .arg(dir().join("process/spiff_bench.py"))
        .arg(dir().join("process/model-spiff.bpmn"))
        .arg(PEER_RUNS.to_string()))?)?;
    println!("SpiffWorkflow:     {spiff:>10.0} completed instances/s ({PEER_RUNS} runs)");
    let engine = rate_of(&sh(Command::new("node")
        .env("NODE_PATH", peers.join("node_modules"))
        .arg(dir().join("process/bpmn_engine_bench.js"))
        .arg(dir().join("process/model-bpmn-engine.bpmn"))
        .arg(PEER_RUNS.to_string()))?)?;
    println!("bpmn-engine:       {engine:>10.0} completed instances/s ({PEER_RUNS} runs)");
    let (r1, r2) = (yagona / spiff, yagona / engine);
    println!(
        "ratio Yagona/SpiffWorkflow: {r1:.1}×  [target ≥ 50×: {}]",
        if r1 >= 50.0 { "met" } else { "NOT met" }
    );
    println!(
        "ratio Yagona/bpmn-engine:   {r2:.1}×  [target ≥ 10×: {}]",
        if r2 >= 10.0 { "met" } else { "NOT met" }
    );
    Ok(())
}

async fn durable_runs() -> anyhow::Result<()> {
    let data = tempfile::tempdir()?;
    let sqlite = durable(
        "SQLite",
        Db::connect(&Db::sqlite_url_in(data.path())).await?,
    )
    .await?;
    println!(
        "  [target ≥ 1,000/s on SQLite: {}]",
        if sqlite >= 1000.0 { "met" } else { "NOT met" }
    );
    if let Ok(url) = std::env::var("YAGONA_BENCH_POSTGRES") {
        // Dropped (with any connection a failure left open) when this branch ends.
        let (db, _schema) = yagona_db::testing::Schema::create_on(&url, "pbench").await?;
        let outcome = durable("PostgreSQL", db).await;
        outcome?;
    } else {
        println!("(PostgreSQL skipped: set YAGONA_BENCH_POSTGRES=postgres://… to include it)");
    }
    Ok(())
}
