//! No registry file makes reading the registry panic: the demo registry with one file
//! mutated (cut short, a token of TOML, JSON, FEEL or a stray byte inserted, a byte changed)
//! is either read or refused with the file named — property tests with a fixed seed
//! (`FUZZ_SEED=n` tries others, `FUZZ_CASES=n` more of them).

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};
use std::path::{Path, PathBuf};

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../registry")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            files(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "toml" || e == "json" || e == "dmn")
        {
            out.push(p.strip_prefix(demo()).unwrap().to_path_buf());
        }
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (p, q) = (entry.path(), to.join(entry.file_name()));
        if p.is_dir() {
            copy(&p, &q);
        } else {
            std::fs::copy(&p, &q).unwrap();
        }
    }
}

const TOKENS: &[&str] = &[
    "=",
    "[",
    "]]",
    "[[rule]]\n",
    "\"",
    "'",
    "{",
    "}",
    ",",
    "\n",
    "\u{0}",
    "🙂",
    "ʻ",
    "when = 'birth_date >'\n",
    "when = \"today +\"\n",
    "field = \"nope\"\n",
    "identify_by = [\"nope\"]\n",
    "on_duplicate = \"maybe\"\n",
    "version = -1\n",
    "max_bytes = 99999999999999999999\n",
    "\"type\": \"strin\"",
    "null",
    "1e999",
    "[steps]\n",
    "\"\"\"",
    "\\u0000",
    "<",
    "&",
];

#[derive(Debug, Clone)]
enum Mutation {
    Cut(prop::sample::Index),
    Insert(prop::sample::Index, usize),
    Byte(prop::sample::Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Cut),
        (any::<prop::sample::Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Byte(i, b)),
    ]
}

#[test]
fn no_registry_file_makes_reading_panic() {
    let mut all = Vec::new();
    files(&demo(), &mut all);
    all.sort();
    assert!(all.len() > 40, "the demo registry's files: {}", all.len());
    let config = Config {
        cases: env("FUZZ_CASES").unwrap_or(48),
        rng_seed: RngSeed::Fixed(env("FUZZ_SEED").unwrap_or(19)),
        ..Config::default()
    };
    proptest!(config, |(which in any::<prop::sample::Index>(), m in mutation())| {
        let dir = tempfile::tempdir().unwrap();
        copy(&demo(), dir.path());
        let file = dir.path().join(which.get(&all));
        let mut bytes = std::fs::read(&file).unwrap();
        match m {
            Mutation::Cut(i) => bytes.truncate(i.index(bytes.len() + 1)),
            Mutation::Insert(i, t) => {
                let at = i.index(bytes.len() + 1);
                bytes.splice(at..at, TOKENS[t].bytes());
            }
            Mutation::Byte(i, b) if !bytes.is_empty() => {
                let at = i.index(bytes.len());
                bytes[at] = b;
            }
            Mutation::Byte(..) => {}
        }
        std::fs::write(&file, &bytes).unwrap();
        // Read or refused, never a panic; every refusal names its file.
        if let Err(problems) = yagona_registry::files::read_dir(dir.path()) {
            prop_assert!(!problems.is_empty());
            for p in &problems {
                prop_assert!(!p.file.as_os_str().is_empty(), "{p}");
                prop_assert!(!p.message.is_empty(), "{p}");
            }
        }
    });
}
