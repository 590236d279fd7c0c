//! The directory in the database: its tables ([`MIGRATIONS`]) and [`DirectoryStore`].

use super::{Directory, Group, Member, Node, Service, Subsystem};
use crate::access::{Grantee, Right};
use crate::id::{ClientId, ServiceId};
use sqlx::Row;
use std::collections::BTreeMap;
use yagona_core::I18nText;
use yagona_db::{Db, DbError};

pub const MIGRATIONS: &[yagona_db::Migration] = &[
    yagona_db::Migration {
        version: 1,
        name: "directory",
        sql: "CREATE TABLE exchange_members (
              id TEXT PRIMARY KEY,
              agency TEXT,
              name TEXT NOT NULL
          );
          CREATE TABLE exchange_subsystems (
              id TEXT PRIMARY KEY,
              member TEXT NOT NULL REFERENCES exchange_members (id) ON DELETE CASCADE,
              name TEXT
          );
          CREATE TABLE exchange_services (
              id TEXT PRIMARY KEY,
              subsystem TEXT NOT NULL REFERENCES exchange_subsystems (id) ON DELETE CASCADE,
              code TEXT NOT NULL,
              title TEXT NOT NULL,
              base_url TEXT NOT NULL,
              openapi TEXT,
              timeout_ms BIGINT NOT NULL
          );
          CREATE TABLE exchange_groups (
              code TEXT PRIMARY KEY,
              name TEXT NOT NULL
          );
          CREATE TABLE exchange_group_members (
              group_code TEXT NOT NULL REFERENCES exchange_groups (code) ON DELETE CASCADE,
              subsystem TEXT NOT NULL REFERENCES exchange_subsystems (id) ON DELETE CASCADE,
              PRIMARY KEY (group_code, subsystem)
          );
          CREATE TABLE exchange_rights (
              service TEXT NOT NULL REFERENCES exchange_services (id) ON DELETE CASCADE,
              grantee TEXT NOT NULL,
              method TEXT NOT NULL,
              path TEXT NOT NULL,
              PRIMARY KEY (service, grantee, method, path)
          );
          CREATE TABLE exchange_directory (
              id BIGINT PRIMARY KEY,
              version BIGINT NOT NULL,
              imported TEXT NOT NULL
          );
          INSERT INTO exchange_directory (id, version, imported) VALUES (1, 0, '');",
    },
    yagona_db::Migration {
        version: 2,
        name: "nodes",
        sql: "ALTER TABLE exchange_members ADD COLUMN node TEXT;
              CREATE TABLE exchange_nodes (
                  code TEXT PRIMARY KEY,
                  address TEXT NOT NULL,
                  public_key TEXT NOT NULL
              );",
    },
];

pub(super) fn grantee_text(g: &Grantee) -> String {
    match g {
        Grantee::Subsystem(id) => format!("subsystem:{id}"),
        Grantee::Group(code) => format!("group:{code}"),
    }
}

fn grantee_from(text: &str) -> Option<Grantee> {
    if let Some(id) = text.strip_prefix("subsystem:") {
        ClientId::from_header(id).ok().map(Grantee::Subsystem)
    } else {
        text.strip_prefix("group:")
            .map(|g| Grantee::Group(g.to_owned()))
    }
}

fn text_json(t: &I18nText) -> String {
    serde_json::to_string(t).expect("plain data serialises")
}

fn json_text(s: &str) -> Result<I18nText, DbError> {
    serde_json::from_str(s).map_err(|e| DbError::Corrupt(format!("directory text: {e}")))
}

/// The directory in the database.
pub struct DirectoryStore<'a> {
    pub db: &'a Db,
}

impl DirectoryStore<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        // Keys from the files go where `yagona exchange keygen` puts them.
        crate::log::migrate(db).await?;
        db.migrate("exchange-directory", MIGRATIONS).await
    }

    /// Changes with every write: nodes compare it to know when to reload.
    pub async fn version(&self) -> Result<i64, DbError> {
        Ok(
            sqlx::query_scalar("SELECT version FROM exchange_directory WHERE id = 1")
                .fetch_one(&self.db.pool)
                .await?,
        )
    }

    /// Replaces the directory with the one read from files, in one transaction — unless these
    /// same files were imported last time, in which case nothing changes (so that changes made
    /// on the administrator pages since survive a restart). Returns whether anything changed.
    pub async fn import(&self, directory: &Directory) -> Result<bool, DbError> {
        let fingerprint = directory.fingerprint();
        let mut tx = self.db.writer.begin().await?;
        let imported: String =
            sqlx::query_scalar("SELECT imported FROM exchange_directory WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
        if imported == fingerprint {
            return Ok(false);
        }
        for table in [
            "exchange_rights",
            "exchange_group_members",
            "exchange_groups",
            "exchange_services",
            "exchange_subsystems",
            "exchange_members",
            "exchange_nodes",
        ] {
            sqlx::query(&format!("DELETE FROM {table}"))
                .execute(&mut *tx)
                .await?;
        }
        // A key the files no longer list is revoked (it still verifies what it signed before);
        // those they list are in force again below.
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        crate::keys::revoke_file_keys(&mut tx, &now).await?;
        for n in directory.nodes.values() {
            sqlx::query(
                "INSERT INTO exchange_nodes (code, address, public_key) VALUES ($1, $2, $3)",
            )
            .bind(&n.code)
            .bind(&n.address)
            .bind(&n.key)
            .execute(&mut *tx)
            .await?;
        }
        for m in directory.members.values() {
            sqlx::query(
                "INSERT INTO exchange_members (id, agency, name, node) VALUES ($1, $2, $3, $4)",
            )
            .bind(m.id.to_string())
            .bind(&m.agency)
            .bind(text_json(&m.name))
            .bind(&m.node)
            .execute(&mut *tx)
            .await?;
            for s in m.subsystems.values() {
                sqlx::query(
                    "INSERT INTO exchange_subsystems (id, member, name) VALUES ($1, $2, $3)",
                )
                .bind(s.id.to_string())
                .bind(m.id.to_string())
                .bind(s.name.as_ref().map(text_json))
                .execute(&mut *tx)
                .await?;
                for k in &s.keys {
                    crate::keys::register_from_files(&mut tx, &s.id, k, &now).await?;
                }
            }
        }
        // Services after every subsystem; rights and groups after every service.
        for s in directory.subsystems() {
            for v in s.services.values() {
                sqlx::query(
                    "INSERT INTO exchange_services (id, subsystem, code, title, base_url, openapi, timeout_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(v.id.to_string())
                .bind(s.id.to_string())
                .bind(&v.id.code)
                .bind(text_json(&v.title))
                .bind(&v.base_url)
                .bind(&v.openapi)
                .bind(v.timeout_ms as i64)
                .execute(&mut *tx)
                .await?;
            }
        }
        for g in directory.groups.values() {
            sqlx::query("INSERT INTO exchange_groups (code, name) VALUES ($1, $2)")
                .bind(&g.code)
                .bind(text_json(&g.name))
                .execute(&mut *tx)
                .await?;
            for m in &g.members {
                sqlx::query(
                    "INSERT INTO exchange_group_members (group_code, subsystem) VALUES ($1, $2)",
                )
                .bind(&g.code)
                .bind(m.to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
        for s in directory.subsystems() {
            for v in s.services.values() {
                for right in &v.rights {
                    insert_right(&mut tx, right).await?;
                }
            }
        }
        sqlx::query(
            "UPDATE exchange_directory SET version = version + 1, imported = $1 WHERE id = 1",
        )
        .bind(&fingerprint)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Grants a right (administrator pages). Granting it again changes nothing.
    pub async fn grant(&self, right: &Right) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let added = insert_right(&mut tx, right).await?;
        if added {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Withdraws a right (administrator pages). Returns whether there was one.
    pub async fn revoke(&self, right: &Right) -> Result<bool, DbError> {
        let mut tx = self.db.writer.begin().await?;
        let removed = sqlx::query(
            "DELETE FROM exchange_rights WHERE service = $1 AND grantee = $2 AND method = $3 AND path = $4",
        )
        .bind(right.service.to_string())
        .bind(grantee_text(&right.grantee))
        .bind(&right.method)
        .bind(&right.path)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if removed {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The whole directory.
    pub async fn load(&self) -> Result<Directory, DbError> {
        let mut d = Directory::default();
        let pool = &self.db.pool;
        let corrupt = |what: &str, id: &str| DbError::Corrupt(format!("{what} {id:?}"));
        for r in sqlx::query("SELECT code, address, public_key FROM exchange_nodes")
            .fetch_all(pool)
            .await?
        {
            let code: String = r.try_get(0)?;
            d.nodes.insert(
                code.clone(),
                Node {
                    code,
                    address: r.try_get(1)?,
                    key: r.try_get(2)?,
                },
            );
        }
        for r in sqlx::query("SELECT id, agency, name, node FROM exchange_members")
            .fetch_all(pool)
            .await?
        {
            let id: String = r.try_get(0)?;
            let parsed = ClientId::from_header(&id).map_err(|_| corrupt("member", &id))?;
            d.members.insert(
                parsed.clone(),
                Member {
                    id: parsed,
                    agency: r.try_get(1)?,
                    name: json_text(&r.try_get::<String, _>(2)?)?,
                    node: r.try_get(3)?,
                    subsystems: BTreeMap::new(),
                },
            );
        }
        for r in sqlx::query("SELECT id, name FROM exchange_subsystems")
            .fetch_all(pool)
            .await?
        {
            let id: String = r.try_get(0)?;
            let parsed = ClientId::from_header(&id).map_err(|_| corrupt("subsystem", &id))?;
            let name: Option<String> = r.try_get(1)?;
            let code = parsed
                .subsystem
                .clone()
                .ok_or_else(|| corrupt("subsystem", &id))?;
            if let Some(m) = d.members.get_mut(&parsed.member_id()) {
                m.subsystems.insert(
                    code,
                    Subsystem {
                        id: parsed,
                        name: name.as_deref().map(json_text).transpose()?,
                        keys: Vec::new(),
                        services: BTreeMap::new(),
                    },
                );
            }
        }
        for r in sqlx::query(
            "SELECT subsystem, code, title, base_url, openapi, timeout_ms FROM exchange_services",
        )
        .fetch_all(pool)
        .await?
        {
            let sub: String = r.try_get(0)?;
            let provider = ClientId::from_header(&sub).map_err(|_| corrupt("subsystem", &sub))?;
            let code: String = r.try_get(1)?;
            let service = Service {
                id: ServiceId {
                    provider: provider.clone(),
                    code: code.clone(),
                },
                title: json_text(&r.try_get::<String, _>(2)?)?,
                base_url: r.try_get(3)?,
                openapi: r.try_get(4)?,
                timeout_ms: r.try_get::<i64, _>(5)? as u64,
                rights: Vec::new(),
            };
            if let Some(s) = d
                .members
                .get_mut(&provider.member_id())
                .and_then(|m| m.subsystems.get_mut(provider.subsystem.as_deref()?))
            {
                s.services.insert(code, service);
            }
        }
        for r in sqlx::query("SELECT code, name FROM exchange_groups")
            .fetch_all(pool)
            .await?
        {
            let code: String = r.try_get(0)?;
            d.groups.insert(
                code.clone(),
                Group {
                    code,
                    name: json_text(&r.try_get::<String, _>(1)?)?,
                    members: Vec::new(),
                },
            );
        }
        for r in sqlx::query(
            "SELECT group_code, subsystem FROM exchange_group_members ORDER BY group_code, subsystem",
        )
        .fetch_all(pool)
        .await?
        {
            let (g, s): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            if let (Some(group), Ok(id)) = (d.groups.get_mut(&g), ClientId::from_header(&s)) {
                group.members.push(id);
            }
        }
        for r in sqlx::query(
            "SELECT service, grantee, method, path FROM exchange_rights ORDER BY service, grantee, method, path",
        )
        .fetch_all(pool)
        .await?
        {
            let (service, grantee, method, path): (String, String, String, String) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
            let Ok((id, _)) = ServiceId::from_path(&service) else {
                return Err(corrupt("service", &service));
            };
            let grantee = grantee_from(&grantee).ok_or_else(|| corrupt("grantee", &grantee))?;
            if let Some(v) = d
                .members
                .get_mut(&id.provider.member_id())
                .and_then(|m| m.subsystems.get_mut(id.provider.subsystem.as_deref()?))
                .and_then(|s| s.services.get_mut(&id.code))
            {
                v.rights.push(Right {
                    grantee,
                    service: id,
                    method,
                    path,
                });
            }
        }
        for r in
            sqlx::query("SELECT subsystem, public_key FROM exchange_keys WHERE revoked_at IS NULL")
                .fetch_all(pool)
                .await?
        {
            let (sub, key): (String, String) = (r.try_get(0)?, r.try_get(1)?);
            if let Some(s) = ClientId::from_header(&sub).ok().and_then(|id| {
                d.members
                    .get_mut(&id.member_id())?
                    .subsystems
                    .get_mut(id.subsystem.as_deref()?)
            }) {
                s.keys.push(key);
            }
        }
        d.normalise();
        Ok(d)
    }
}

async fn insert_right(conn: &mut sqlx::AnyConnection, right: &Right) -> Result<bool, DbError> {
    Ok(sqlx::query(
        "INSERT INTO exchange_rights (service, grantee, method, path) VALUES ($1, $2, $3, $4)
         ON CONFLICT (service, grantee, method, path) DO NOTHING",
    )
    .bind(right.service.to_string())
    .bind(grantee_text(&right.grantee))
    .bind(&right.method)
    .bind(&right.path)
    .execute(conn)
    .await?
    .rows_affected()
        > 0)
}

async fn bump(conn: &mut sqlx::AnyConnection) -> Result<(), DbError> {
    sqlx::query("UPDATE exchange_directory SET version = version + 1 WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
}
