//! The layout keeps its promises (ARCHITECTURE.md, "Boundaries"): the domain knows nothing of
//! HTTP or HTML; the pages, the APIs and the exchange gateway know nothing of each other; and a
//! component's tables are named only in its own SQL, so that changing them breaks no one else's
//! queries unnoticed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The domain components: what the platform does, whatever the channel.
const DOMAIN: &[&str] = &[
    "yagona-core",
    "yagona-db",
    "yagona-calendar",
    "yagona-i18n",
    "yagona-forms",
    "yagona-registry",
    "yagona-identity",
    "yagona-workflow",
    "yagona-applications",
    "yagona-contact",
    "yagona-exchange",
    "yagona-payments",
    "yagona-documents",
    "yagona-notices",
];

/// The edges: how people and other systems reach the domain.
const EDGES: &[&str] = &["yagona-web", "yagona-api", "yagona-gateway"];

/// Crates that serve or speak HTTP, or render HTML: none of them belongs below the edges.
const HTTP_AND_HTML: &[&str] = &[
    "axum",
    "axum-core",
    "hyper",
    "hyper-util",
    "tower-http",
    "reqwest",
    "minijinja",
    "actix-web",
    "warp",
    "rocket",
    "tera",
    "askama",
];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The platform the tests run on (`rustc -vV`'s host), so that the resolved graph needs no
/// other platform's packages.
fn host() -> String {
    let out = std::process::Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc names its host")
        .to_owned()
}

/// Each package's normal (not dev, not build) dependencies, by package name, as resolved.
fn dependency_graph() -> BTreeMap<String, BTreeSet<String>> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", &host()])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut graph = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().unwrap() {
        let name = names[node["id"].as_str().unwrap()].to_owned();
        let deps: BTreeSet<String> = node["deps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k["kind"].is_null())
            })
            .map(|d| names[d["pkg"].as_str().unwrap()].to_owned())
            .collect();
        graph.entry(name).or_insert_with(BTreeSet::new).extend(deps);
    }
    graph
}

/// Everything `package` depends on, directly or not.
fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, package: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![package.to_owned()];
    while let Some(p) = todo.pop() {
        for d in graph.get(&p).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

#[test]
fn the_domain_knows_nothing_of_http_or_html() {
    let graph = dependency_graph();
    for package in DOMAIN {
        let direct = &graph[*package];
        let http: Vec<&String> = direct
            .iter()
            .filter(|d| HTTP_AND_HTML.contains(&d.as_str()))
            .collect();
        assert!(
            http.is_empty(),
            "{package} depends on {http:?}: the domain must not know HTTP or HTML"
        );
        // And it stands on the domain alone: no edge, binary or stand-in below it.
        let ours: Vec<String> = reaches(&graph, package)
            .into_iter()
            .filter(|d| d.starts_with("yagona") && !DOMAIN.contains(&d.as_str()))
            .collect();
        assert!(
            ours.is_empty(),
            "{package} depends on {ours:?}, which are not domain components"
        );
    }
}

#[test]
fn pages_apis_and_the_gateway_know_nothing_of_each_other() {
    let graph = dependency_graph();
    for edge in EDGES {
        let others: Vec<&str> = reaches(&graph, edge)
            .iter()
            .filter_map(|d| EDGES.iter().find(|e| *e == d).copied())
            .collect();
        assert!(
            others.is_empty(),
            "{edge} depends on {others:?}: the edges meet only in the binary"
        );
    }
}

/// The Rust sources of a crate's library.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out
}

/// The words after the SQL keywords that name a table.
fn tables_named(sql: &str) -> Vec<String> {
    const KEYWORDS: &[&str] = &[
        "FROM",
        "JOIN",
        "INTO",
        "UPDATE",
        "TABLE",
        "REFERENCES",
        "EXISTS",
    ];
    let words: Vec<&str> = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter(|w| KEYWORDS.contains(&w[0]))
        .map(|w| w[1].to_owned())
        .collect()
}

/// A foreign key of the applications' first migration, released before components owned
/// their tables: an application's service version must exist in the registry. Migrations
/// that have run in the field are never changed; it is the one reference allowed, and no
/// query uses it.
const RELEASED_REFERENCES: &[(&str, &str)] = &[("applications", "registry_service_versions")];

#[test]
fn each_component_owns_its_tables() {
    let crates = workspace().join("crates");
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let mut texts: Vec<(String, PathBuf, String)> = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let component = dir.file_name().unwrap().to_string_lossy().into_owned();
        for (path, text) in sources(&dir.join("src")) {
            let words: Vec<&str> = text
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            for w in words.windows(6) {
                if w[0] == "CREATE" && w[1] == "TABLE" {
                    // `CREATE TABLE IF NOT EXISTS name`
                    let table = if w[2..5] == ["IF", "NOT", "EXISTS"] {
                        w[5]
                    } else {
                        w[2]
                    };
                    let previous = owner.insert(table.to_owned(), component.clone());
                    if let Some(other) = previous.filter(|p| *p != component) {
                        panic!("table {table} is created by {other} and {component}");
                    }
                }
            }
            texts.push((component.clone(), path, text));
        }
    }
    assert!(
        owner.get("applications").map(String::as_str) == Some("applications")
            && owner.get("process_waits").map(String::as_str) == Some("workflow")
            && owner.get("appeals").map(String::as_str) == Some("contact"),
        "the tables' owners are found: {owner:?}"
    );
    let mut trespasses = Vec::new();
    for (component, path, text) in &texts {
        for table in tables_named(text) {
            let Some(o) = owner.get(&table) else { continue };
            if o != component
                && !RELEASED_REFERENCES.contains(&(component.as_str(), table.as_str()))
            {
                trespasses.push(format!(
                    "{} names {table}, which is {o}'s",
                    path.strip_prefix(&crates).unwrap_or(path).display()
                ));
            }
        }
    }
    assert!(
        trespasses.is_empty(),
        "components ask each other through their APIs, not their tables:\n{}",
        trespasses.join("\n")
    );
}

#[test]
fn a_query_on_another_components_table_is_found() {
    // The check above would catch the inbox joining the workflow's tables, as it once did.
    let sql = "SELECT a.id FROM process_waits w JOIN applications a ON a.process_instance = w.instance_id";
    assert_eq!(tables_named(sql), ["process_waits", "applications"]);
}
