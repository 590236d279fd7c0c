//! The directory as files (every problem located) and in the database (import, reload, grants).

use std::path::{Path, PathBuf};
use yagona_db::Db;
use yagona_exchange::directory::{read_dir, Agencies, DirectoryStore};
use yagona_exchange::{ClientId, Grantee, Right, ServiceId};

fn repo_registry() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../registry")
}

/// The agencies of the demo registry, as the exchange files need them.
fn agencies() -> Agencies {
    let reg = yagona_registry::files::read_dir(&repo_registry()).expect("the demo registry reads");
    reg.agencies
        .iter()
        .map(|a| {
            (
                a.code.as_str().to_owned(),
                (a.stir.as_str().to_owned(), a.name.clone()),
            )
        })
        .collect()
}

fn copy_exchange(to: &Path) {
    let from = repo_registry().join("exchange");
    std::fs::create_dir_all(to.join("exchange/openapi")).unwrap();
    for sub in ["", "openapi"] {
        for e in std::fs::read_dir(from.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(
                    &p,
                    to.join("exchange").join(sub).join(p.file_name().unwrap()),
                )
                .unwrap();
            }
        }
    }
}

#[test]
fn the_demo_directory_reads_with_its_rights() {
    let d = read_dir(&repo_registry(), &agencies()).expect("the demo exchange files are valid");
    let persons = ServiceId {
        provider: ClientId::subsystem("UZ", "GOV", "201122919", "civil-records"),
        code: "persons".into(),
    };
    let service = d
        .service(&persons)
        .expect("the civil registry offers persons");
    assert!(service.openapi.is_some());
    let portal = ClientId::subsystem("UZ", "GOV", "305184297", "portal");
    let docflow = ClientId::subsystem("UZ", "GOV", "201589236", "docflow");
    let seg = |p: &'static str| yagona_exchange::access::path_segments(p).unwrap();
    assert!(d.allowed(&portal, service, "GET", &seg("/v1/persons/31505901234567")));
    assert!(!d.allowed(&portal, service, "POST", &seg("/v1/persons/31505901234567")));
    assert!(!d.allowed(&docflow, service, "GET", &seg("/v1/persons/31505901234567")));
    assert_eq!(
        d.groups_of(&portal),
        vec!["public-service-providers".to_owned()]
    );
    assert_eq!(
        d.members[&portal.member_id()].name.en,
        "Public Services Agency under the Ministry of Justice of the Republic of Uzbekistan"
    );
    assert_eq!(
        service
            .endpoints()
            .iter()
            .map(|e| format!("{} {}", e.method, e.path))
            .collect::<Vec<_>>(),
        vec!["GET /v1/persons/*"]
    );
}

#[test]
fn every_problem_of_the_files_is_named_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    copy_exchange(dir.path());
    let ex = dir.path().join("exchange");
    let edit = |file: &str, from: &str, to: &str| {
        let p = ex.join(file);
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(s.contains(from), "{file} holds {from:?}");
        std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
    };
    edit(
        "tax.toml",
        "base_url = \"/registers/tax\"",
        "base_url = \"ftp://tax.example\"",
    );
    edit(
        "cadastre.toml",
        "group = \"khokimiyats\"",
        "group = \"districts\"",
    );
    edit(
        "civil-registry.toml",
        "subsystem = \"UZ/GOV/200524845/taxpayers\"",
        "subsystem = \"UZ/GOV/200524845/nobody\"",
    );
    edit("interior.toml", "method = \"GET\"", "method = \"FETCH\"");
    edit(
        "social-protection.toml",
        "code = \"benefits\"",
        "code = \"bene fits\"",
    );
    std::fs::write(
        ex.join("openapi/residence.json"),
        "{\"openapi\": \"3.0.3\",\n  \"paths\": [}",
    )
    .unwrap();
    std::fs::write(ex.join("ghost.toml"), "agency = \"ministry-of-magic\"\n").unwrap();
    std::fs::write(
        ex.join("nodes.toml"),
        "[[node]]\ncode = \"tax\"\naddress = \"http://10.0.0.5:8443\"\nkey = \"qEShd3gpJNuJdcTM3w+jvbJV7su/WRSB7y4udgrUNWc=\"\n\n[[node]]\ncode = \"interior\"\naddress = \"https://10.0.0.6:8443\"\nkey = \"not a key\"\n",
    )
    .unwrap();
    let p = ex.join("cadastre.toml");
    let s = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, format!("node = \"moon\"\n{s}")).unwrap();
    edit(
        "tashkent-khokimiyat.toml",
        "code = \"docflow\"\n",
        "code = \"docflow\"\nkeys = [\"c2hvcnQ=\"]\n",
    );
    std::fs::write(
        ex.join("broken.toml"),
        "agency = \"tax\"\n[[subsystem]\ncode = 1\n",
    )
    .unwrap();
    let problems = read_dir(dir.path(), &agencies()).unwrap_err();
    let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    let has = |needle: &str| {
        assert!(
            shown.iter().any(|s| s.contains(needle)),
            "{needle:?} in {shown:#?}"
        );
    };
    has("exchange/tax.toml:subsystem[0].service[0].base_url: \"ftp://tax.example\" is neither");
    has("exchange/cadastre.toml:subsystem[0].service[0].right[1].group: no group \"districts\"");
    has("exchange/civil-registry.toml:subsystem[0].service[0].right[1].subsystem: no subsystem UZ/GOV/200524845/nobody");
    has("exchange/interior.toml:subsystem[0].service[0].right[0].method: \"FETCH\" is not an HTTP method");
    has("exchange/social-protection.toml:subsystem[0].service[0].code: \"bene fits\"");
    has("exchange/openapi/residence.json:2:13:");
    has("exchange/ghost.toml:agency: no agency \"ministry-of-magic\"");
    has("exchange/broken.toml:2:");
    has("exchange/nodes.toml:node[0].address: \"http://10.0.0.5:8443\" is not https://");
    has("exchange/nodes.toml:node[1].key: not an Ed25519 public key");
    has("exchange/cadastre.toml:node: no node \"moon\"");
    has("exchange/tashkent-khokimiyat.toml:subsystem[0].keys[0]: not an Ed25519 public key");
}

#[tokio::test]
async fn nodes_hosting_and_keys_from_the_files_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    copy_exchange(dir.path());
    let ex = dir.path().join("exchange");
    let node_key = "qEShd3gpJNuJdcTM3w+jvbJV7su/WRSB7y4udgrUNWc=";
    let civil_key = &yagona_exchange::evidence::public_key_text(
        &yagona_exchange::evidence::generate_key().verifying_key(),
    );
    std::fs::write(
        ex.join("nodes.toml"),
        format!("[[node]]\ncode = \"civil\"\naddress = \"https://10.0.0.7:8443/\"\nkey = \"{node_key}\"\n"),
    )
    .unwrap();
    let p = ex.join("civil-registry.toml");
    let s = std::fs::read_to_string(&p).unwrap().replacen(
        "code = \"civil-records\"\n",
        &format!("code = \"civil-records\"\nkeys = [\"{civil_key}\"]\n"),
        1,
    );
    std::fs::write(&p, format!("node = \"civil\"\n{s}")).unwrap();
    let d = read_dir(dir.path(), &agencies()).unwrap();
    let civil = ClientId::subsystem("UZ", "GOV", "201122919", "civil-records");
    let node = d.node_of(&civil).expect("hosted on a node");
    assert_eq!(
        (node.code.as_str(), node.address.as_str()),
        ("civil", "https://10.0.0.7:8443")
    );
    assert!(d
        .node_of(&ClientId::subsystem("UZ", "GOV", "200524845", "taxpayers"))
        .is_none());
    let key = yagona_exchange::evidence::public_key_from_text(node_key).unwrap();
    assert_eq!(
        d.node_with_key(&key).map(|n| n.code.as_str()),
        Some("civil")
    );

    let db_dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url_in(db_dir.path()))
        .await
        .unwrap();
    DirectoryStore::migrate(&db).await.unwrap();
    let store = DirectoryStore { db: &db };
    store.import(&d).await.unwrap();
    assert_eq!(
        store.load().await.unwrap(),
        d,
        "nodes and keys load as imported"
    );
    let keys = yagona_exchange::keys::all(&db).await.unwrap();
    assert_eq!(
        keys[&civil.to_string()],
        vec![yagona_exchange::evidence::public_key_from_text(civil_key).unwrap()],
        "a key from the files verifies that subsystem's signatures"
    );
    // Taken out of the files, the key is revoked: it authenticates nobody any more, but still
    // verifies what it signed.
    let mut without = d.clone();
    without
        .members
        .values_mut()
        .flat_map(|m| m.subsystems.values_mut())
        .for_each(|s| s.keys.clear());
    assert!(store.import(&without).await.unwrap());
    let active = yagona_exchange::keys::active(&db).await.unwrap();
    assert!(!active.contains_key(&civil.to_string()), "{active:?}");
    let all = yagona_exchange::keys::all(&db).await.unwrap();
    assert_eq!(all[&civil.to_string()].len(), 1);
    // Listed again, it is in force again.
    assert!(store.import(&d).await.unwrap());
    assert!(yagona_exchange::keys::active(&db)
        .await
        .unwrap()
        .contains_key(&civil.to_string()));
}

async fn import_load_and_grants(db: Db) {
    yagona_exchange::directory::DirectoryStore::migrate(&db)
        .await
        .unwrap();
    let store = DirectoryStore { db: &db };
    let d = read_dir(&repo_registry(), &agencies()).unwrap();
    let v0 = store.version().await.unwrap();
    assert!(store.import(&d).await.unwrap());
    assert_eq!(
        store.load().await.unwrap(),
        d,
        "what was imported is what loads"
    );
    assert!(
        !store.import(&d).await.unwrap(),
        "the same files again change nothing"
    );
    let v1 = store.version().await.unwrap();
    assert!(v1 > v0);

    let docflow = ClientId::subsystem("UZ", "GOV", "201589236", "docflow");
    let persons = ServiceId {
        provider: ClientId::subsystem("UZ", "GOV", "201122919", "civil-records"),
        code: "persons".into(),
    };
    let right = Right {
        grantee: Grantee::Subsystem(docflow.clone()),
        service: persons.clone(),
        method: "GET".into(),
        path: "/v1/persons/*".into(),
    };
    assert!(store.grant(&right).await.unwrap());
    assert!(!store.grant(&right).await.unwrap(), "granted once");
    let loaded = store.load().await.unwrap();
    let seg = yagona_exchange::access::path_segments("/v1/persons/1").unwrap();
    assert!(loaded.allowed(&docflow, loaded.service(&persons).unwrap(), "GET", &seg));
    assert!(store.version().await.unwrap() > v1);
    // An administrator's grant survives a restart that imports the same files again.
    assert!(!store.import(&d).await.unwrap());
    assert!(store
        .load()
        .await
        .unwrap()
        .service(&persons)
        .unwrap()
        .rights
        .contains(&right));
    // What administrators granted goes out with an export, and reads back the same.
    let granted = store.load().await.unwrap();
    let out = tempfile::tempdir().unwrap();
    yagona_exchange::directory::write_dir(&granted, out.path()).unwrap();
    let exported = read_dir(out.path(), &agencies()).expect("an export is valid exchange files");
    assert_eq!(
        exported, granted,
        "the export reads back to the same directory"
    );
    assert!(store.revoke(&right).await.unwrap());
    assert!(!store.revoke(&right).await.unwrap());
    assert_eq!(store.load().await.unwrap(), d);
}

#[tokio::test]
async fn the_directory_round_trips_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap();
    import_load_and_grants(db).await;
}

#[tokio::test]
async fn the_directory_round_trips_through_postgres() {
    yagona_db::testing::on_postgres("dir", import_load_and_grants).await;
}
