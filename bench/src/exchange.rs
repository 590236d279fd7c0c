//! The exchange benchmark: `cargo run --release -p yagona-bench --bin exchange-bench`.
//!
//! The same upstream service (nginx answering a small JSON document) is called with wrk at the
//! same concurrency, one after another in the same run:
//!
//! 1. directly;
//! 2. through nginx as a plain reverse proxy (keep-alive to the upstream);
//! 3. through a Yagona node with evidence off (identifiers, client token, rights, header rules,
//!    request hash — everything but signing and logging);
//! 4. through a Yagona node with evidence on (each request and response signed with Ed25519 and
//!    written to the hash-chained message log before the answer goes out), on SQLite;
//! 5. the same on PostgreSQL, when `YAGONA_BENCH_POSTGRES` (or `YAGONA_TEST_POSTGRES`) names one.
//!
//! It prints requests/s and p50/p99 latency of each, and the ratios the targets are set in:
//! Yagona/nginx throughput with evidence off (≥ 0.8), signed and logged exchanges/s with
//! evidence on (≥ 5,000), and the p50 latency Yagona adds over the direct call (≤ 1 ms).
//! Each path runs `BENCH_ROUNDS` times (default 3), the paths taking turns, and the run with the
//! median throughput is reported; the ratio to nginx is the median of each round's ratio. A
//! shared virtual machine's speed drifts, and turns spread the drift over every path. Beside throughput and latency it prints the CPU time each proxy spent
//! per request (the Yagona node's process; nginx's, less what its upstream server took), which
//! drifts much less than throughput does.
//! Needs Debian's `nginx` and `wrk` (`apt-get install nginx wrk`). `BENCH_SECONDS` (default 10)
//! and `BENCH_CONNECTIONS` (default 50) change the run. At 50 connections every path runs at
//! its full throughput, so its latency is mostly queueing (connections / throughput); the
//! latency a gateway adds to one call is what `BENCH_CONNECTIONS=2` shows.

/// The allocator the `yagona` binary uses, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use yagona::node::{Node, NodeConfig};
use yagona_db::Db;
use yagona_exchange::directory::{DirectoryStore, Member, Service, Subsystem};
use yagona_exchange::{ClientId, Grantee, Right, ServiceId};
use yagona_gateway::GatewayConfig;

struct Figures {
    name: String,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    seconds: f64,
    /// CPU time this process (the Yagona node) and nginx spent per request, in µs.
    gateway_cpu_us: f64,
    nginx_cpu_us: f64,
}

/// The run with the median throughput of several.
fn median(mut runs: Vec<Figures>) -> Figures {
    runs.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    let mid = runs.len() / 2;
    runs.swap_remove(mid)
}

/// CPU time (user and system) the processes have used, in seconds.
fn cpu_seconds(pids: &[u32]) -> f64 {
    // Clock ticks: 100 a second on Linux.
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok())
        .filter_map(|stat| {
            // Fields after the command (which may hold spaces) in parentheses.
            let rest = stat.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .sum::<f64>()
        / 100.0
}

/// The nginx master and its workers.
fn nginx_pids(master: u32) -> Vec<u32> {
    let children = std::fs::read_to_string(format!("/proc/{master}/task/{master}/children"))
        .unwrap_or_default();
    std::iter::once(master)
        .chain(children.split_whitespace().filter_map(|p| p.parse().ok()))
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(binary: &str) -> Option<PathBuf> {
    [
        "/usr/sbin/",
        "/usr/bin/",
        "/usr/local/bin/",
        "/usr/local/sbin/",
    ]
    .iter()
    .map(|d| PathBuf::from(format!("{d}{binary}")))
    .find(|p| p.exists())
}

/// The running nginx, and how to tell it to stop.
struct Nginx(Child, Command);

impl Drop for Nginx {
    /// Stops nginx as its own `-s stop` does, so that its workers stop too (killing the master
    /// alone would leave them running, holding their ports, after the benchmark).
    fn drop(&mut self) {
        let stopped = self.1.status().is_ok_and(|s| s.success());
        for _ in 0..50 {
            if !stopped || matches!(self.0.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One nginx with two servers: the upstream (a fixed JSON answer) and a plain reverse proxy to it.
/// One worker per core, as Debian's own configuration has it: with one worker, nginx's proxy and
/// its upstream would share one core while the Yagona node has all of them (measured: 35,000
/// proxied requests/s with one worker against 52,000 with two, on the same 2-core machine).
fn start_nginx(nginx: &Path, dir: &Path, upstream: u16, proxy: u16) -> anyhow::Result<Nginx> {
    let conf = dir.join("nginx.conf");
    std::fs::create_dir_all(dir.join("logs"))?;
    std::fs::write(
        &conf,
        format!(
            r#"worker_processes auto;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 1000000;
    upstream provider {{ server 127.0.0.1:{upstream}; keepalive 128; }}
    server {{
        listen 127.0.0.1:{upstream} reuseport;
        location / {{
            default_type application/json;
            return 200 '{{"pinfl":"31505901234567","surname":"Karimova","givenName":"Dilnoza","birthDate":"1990-05-15"}}';
        }}
    }}
    server {{
        listen 127.0.0.1:{proxy} reuseport;
        location / {{
            proxy_pass http://provider;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"#,
            dir = dir.display()
        ),
    )?;
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut stop = Command::new(nginx);
    stop.arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .args(["-s", "stop"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    Ok(Nginx(child, stop))
}

async fn wait_for(url: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if reqwest::get(url).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("{url} did not answer")
}

fn duration_ms(text: &str) -> Option<f64> {
    let t = text.trim();
    let (num, factor) = if let Some(n) = t.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    num.parse::<f64>().ok().map(|v| v * factor)
}

/// Runs wrk and reads its figures.
fn wrk(wrk: &Path, name: &str, url: &str, headers: &[(String, String)]) -> anyhow::Result<Figures> {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let connections: u64 = std::env::var("BENCH_CONNECTIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let mut cmd = Command::new(wrk);
    // wrk needs at least one connection per thread.
    let threads = connections.clamp(1, 2);
    cmd.args([
        &format!("-t{threads}"),
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    for (n, v) in headers {
        cmd.arg("-H").arg(format!("{n}: {v}"));
    }
    let out = cmd.arg(url).output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        anyhow::bail!("wrk failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let line_value = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| {
                l.trim_start()[prefix.len()..]
                    .split_whitespace()
                    .next()
                    .map(str::to_owned)
            })
    };
    let rps = line_value("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no Requests/sec in wrk's output:\n{text}"))?;
    let p50 = line_value("50%")
        .and_then(|v| duration_ms(&v))
        .unwrap_or(f64::NAN);
    let p99 = line_value("99%")
        .and_then(|v| duration_ms(&v))
        .unwrap_or(f64::NAN);
    let errors = text
        .lines()
        .find(|l| l.contains("Non-2xx or 3xx responses:"))
        .and_then(|l| l.rsplit(':').next()?.trim().parse().ok())
        .unwrap_or(0);
    Ok(Figures {
        name: name.into(),
        rps,
        p50_ms: p50,
        p99_ms: p99,
        errors,
        seconds: seconds as f64,
        gateway_cpu_us: f64::NAN,
        nginx_cpu_us: f64::NAN,
    })
}

/// A path the benchmark calls: its label, the URL and the headers sent.
type Target = (String, String, Vec<(String, String)>);

const CLIENT: &str = "UZ/COM/302117654/bench-client";

/// A Yagona node whose directory holds one provider (the nginx upstream) and one client.
async fn start_node(
    db: Db,
    upstream: u16,
    evidence: bool,
    keys: &Path,
) -> anyhow::Result<(String, String)> {
    yagona::migrate(&db).await?;
    let name: yagona_core::I18nText = serde_json::from_value(serde_json::json!(
        {"uz": "Sinov", "uz-Cyrl": "Синов", "ru": "Тест", "en": "Benchmark"}
    ))?;
    let provider = ClientId::subsystem("UZ", "GOV", "201122919", "civil-records");
    let client = ClientId::from_header(CLIENT).map_err(|e| anyhow::anyhow!(e.message))?;
    let id = ServiceId {
        provider: provider.clone(),
        code: "persons".into(),
    };
    let service = Service {
        id: id.clone(),
        title: name.clone(),
        base_url: format!("http://127.0.0.1:{upstream}"),
        openapi: None,
        timeout_ms: 5_000,
        rights: vec![Right {
            grantee: Grantee::Subsystem(client.clone()),
            service: id,
            method: "GET".into(),
            path: "/v1/persons/*".into(),
        }],
    };
    let mut directory = yagona_exchange::directory::Directory::default();
    for (sub, services) in [(provider.clone(), vec![service]), (client.clone(), vec![])] {
        let member = directory
            .members
            .entry(sub.member_id())
            .or_insert_with(|| Member {
                id: sub.member_id(),
                agency: None,
                name: name.clone(),
                node: None,
                subsystems: Default::default(),
            });
        member.subsystems.insert(
            sub.subsystem.clone().unwrap_or_default(),
            Subsystem {
                id: sub.clone(),
                name: None,
                keys: Vec::new(),
                services: services
                    .into_iter()
                    .map(|s| (s.id.code.clone(), s))
                    .collect(),
            },
        );
    }
    DirectoryStore { db: &db }.import(&directory).await?;
    yagona::ensure_keys(&db, keys).await?;
    let config = NodeConfig {
        gateway: GatewayConfig {
            evidence,
            keys_dir: Some(keys.to_owned()),
            ..GatewayConfig::default()
        },
        ..NodeConfig::default()
    };
    let node = Node::new(db, config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    tokio::spawn(yagona::server::serve(node, listener));
    let key = yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(keys, &client))
        .map_err(|e| anyhow::anyhow!(e))?;
    let token = yagona_exchange::token::issue(&key, &client, chrono::Utc::now().timestamp(), 3600);
    Ok((address, token))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (Some(nginx), Some(wrk_bin)) = (find("nginx"), find("wrk")) else {
        eprintln!(
            "the exchange benchmark needs Debian's nginx and wrk: apt-get install -y nginx wrk"
        );
        std::process::exit(2);
    };
    let dir = tempfile::tempdir()?;
    let (upstream, proxy) = (free_port(), free_port());
    let nginx_proc = start_nginx(&nginx, &dir.path().join("nginx"), upstream, proxy)?;
    let path = "/v1/persons/31505901234567";
    wait_for(&format!("http://127.0.0.1:{upstream}{path}")).await?;
    wait_for(&format!("http://127.0.0.1:{proxy}{path}")).await?;

    let mut nodes = Vec::new();
    for (label, evidence) in [
        ("Yagona, evidence off (SQLite)", false),
        ("Yagona, evidence on (SQLite)", true),
    ] {
        let sub = dir.path().join(if evidence { "on" } else { "off" });
        std::fs::create_dir_all(&sub)?;
        let db = Db::connect(&Db::sqlite_url_in(&sub)).await?;
        nodes.push((
            label.to_owned(),
            start_node(db, upstream, evidence, &sub.join("keys")).await?,
        ));
    }
    let pg = std::env::var("YAGONA_BENCH_POSTGRES")
        .or_else(|_| std::env::var("YAGONA_TEST_POSTGRES"))
        .ok();
    let mut _schema = None;
    if let Some(url) = &pg {
        let (db, schema) = yagona_db::testing::Schema::create_on(url, "xb").await?;
        let keys = dir.path().join("pg-keys");
        nodes.push((
            "Yagona, evidence on (PostgreSQL)".into(),
            start_node(db, upstream, true, &keys).await?,
        ));
        _schema = Some(schema);
    }

    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!(
        "Exchange benchmark: wrk, 2 threads, same upstream, one after another; {rounds} rounds, medians\n"
    );
    // The first run warms everything up and is not reported.
    let _ = wrk(
        &wrk_bin,
        "warm-up",
        &format!("http://127.0.0.1:{upstream}{path}"),
        &[],
    );
    let nginx_pid = nginx_proc.0.id();
    let mut targets: Vec<Target> = vec![
        (
            "direct".into(),
            format!("http://127.0.0.1:{upstream}{path}"),
            vec![],
        ),
        (
            "nginx reverse proxy".into(),
            format!("http://127.0.0.1:{proxy}{path}"),
            vec![],
        ),
    ];
    for (label, (address, token)) in &nodes {
        let url = format!("{address}/r1/UZ/GOV/201122919/civil-records/persons{path}");
        let check = reqwest::Client::new()
            .get(&url)
            .header("X-Road-Client", CLIENT)
            .header("X-Yagona-Client-Token", token)
            .send()
            .await?;
        anyhow::ensure!(
            check.status().is_success(),
            "{label}: the gateway answered {}",
            check.status()
        );
        let headers = vec![
            ("X-Road-Client".to_owned(), CLIENT.to_owned()),
            ("X-Yagona-Client-Token".to_owned(), token.clone()),
            ("X-Road-UserId".to_owned(), "UZ31505901234567".to_owned()),
        ];
        targets.push((label.clone(), url, headers));
    }
    // Rounds interleave the paths, so that a machine that slows down or speeds up during the
    // run (a shared virtual machine does) moves every path alike.
    let mut runs: Vec<Vec<Figures>> = targets.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for (i, (label, url, headers)) in targets.iter().enumerate() {
            let (own, web) = (
                cpu_seconds(&[std::process::id()]),
                cpu_seconds(&nginx_pids(nginx_pid)),
            );
            let mut f = wrk(&wrk_bin, label, url, headers)?;
            let requests = f.rps * f.seconds;
            f.gateway_cpu_us = (cpu_seconds(&[std::process::id()]) - own) / requests * 1e6;
            f.nginx_cpu_us = (cpu_seconds(&nginx_pids(nginx_pid)) - web) / requests * 1e6;
            runs[i].push(f);
        }
    }
    // Each path's throughput against nginx's in the same round: the median of those ratios.
    let ratios: Vec<f64> = runs
        .iter()
        .map(|r| {
            let mut each: Vec<f64> = r.iter().zip(&runs[1]).map(|(y, n)| y.rps / n.rps).collect();
            each.sort_by(f64::total_cmp);
            each[each.len() / 2]
        })
        .collect();
    let all: Vec<Figures> = runs.into_iter().map(median).collect();

    println!(
        "{:<36} {:>12} {:>10} {:>10} {:>8} {:>14}",
        "path", "requests/s", "p50 ms", "p99 ms", "non-2xx", "CPU µs/req"
    );
    let direct = &all[0];
    for (i, f) in all.iter().enumerate() {
        // The proxy's own CPU: nginx's, less what the upstream (in the same nginx) took.
        let cpu = match i {
            0 => f64::NAN,
            1 => f.nginx_cpu_us - direct.nginx_cpu_us,
            _ => f.gateway_cpu_us,
        };
        println!(
            "{:<36} {:>12.0} {:>10.3} {:>10.3} {:>8} {:>14.1}",
            f.name, f.rps, f.p50_ms, f.p99_ms, f.errors, cpu
        );
    }
    println!();
    for (f, ratio) in all[2..].iter().zip(&ratios[2..]) {
        println!(
            "{}: {:.2}× nginx's throughput, {:.2}× direct; p50 adds {:.3} ms over direct",
            f.name,
            ratio,
            f.rps / direct.rps,
            f.p50_ms - direct.p50_ms
        );
    }
    println!("\nTargets on 2 cores: evidence off ≥ 0.8× nginx; evidence on ≥ 5,000 exchanges/s; p50 added ≤ 1 ms.");
    if let Some(on) = all.iter().find(|f| f.name.contains("evidence on (SQLite)")) {
        let tmp = dir.path().join("on");
        let db = Db::connect(&Db::sqlite_url_in(&tmp)).await?;
        let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exchange_log")
            .fetch_one(&db.pool)
            .await?;
        println!(
            "Evidence on (SQLite) logged {logged} signed messages (requests and responses) for {:.0} exchanges/s.",
            on.rps
        );
    }
    Ok(())
}
