//! The registry in the database: one table per record kind, JSON documents in text columns, and
//! every published version of every service kept, so that an application always knows the exact
//! passport and form it was made under.

use crate::catalogue::Catalogue;
use crate::model::*;
use sqlx::Row;
use yagona_calendar::{CalendarStore, YearCalendar};
use yagona_db::{Db, DbError, Migration};

const SCHEMA: &str = "
CREATE TABLE registry_agencies (code TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE registry_life_events (code TEXT PRIMARY KEY, position BIGINT NOT NULL, data TEXT NOT NULL);
CREATE TABLE registry_bhm (from_date TEXT PRIMARY KEY, uzs BIGINT NOT NULL);
CREATE TABLE registry_services (
    code TEXT PRIMARY KEY,
    agency_code TEXT NOT NULL REFERENCES registry_agencies(code),
    version BIGINT NOT NULL,
    content_hash TEXT NOT NULL,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE TABLE registry_service_versions (
    code TEXT NOT NULL REFERENCES registry_services(code),
    version BIGINT NOT NULL,
    passport TEXT NOT NULL,
    form TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (code, version)
);
CREATE TABLE registry_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO registry_meta (key, value) VALUES ('version', 0);
";

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "registry",
        sql: SCHEMA,
    },
    Migration {
        version: 2,
        name: "service processes",
        sql: "ALTER TABLE registry_service_versions ADD COLUMN process TEXT;",
    },
    Migration {
        version: 3,
        name: "service decisions",
        sql: "ALTER TABLE registry_service_versions ADD COLUMN decisions TEXT;",
    },
    Migration {
        version: 4,
        name: "task forms",
        sql: "ALTER TABLE registry_service_versions ADD COLUMN task_forms TEXT;",
    },
    Migration {
        version: 5,
        name: "fact sources",
        sql: "CREATE TABLE registry_fact_sources (key TEXT PRIMARY KEY, position BIGINT NOT NULL, data TEXT NOT NULL);",
    },
    Migration {
        version: 6,
        name: "result documents",
        sql: "ALTER TABLE registry_service_versions ADD COLUMN result TEXT;",
    },
];

fn content_hash(s: &str) -> String {
    yagona_core::sha256_hex(s.as_bytes())
}

/// What an import changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub fact_sources_changed: usize,
    pub agencies_changed: usize,
    pub life_events_changed: usize,
    pub calendar_years_changed: usize,
    pub bhm_changed: usize,
    pub services_published: usize,
    pub services_withdrawn: usize,
}

impl ImportReport {
    pub fn changed_anything(&self) -> bool {
        *self != ImportReport::default()
    }
}

/// One published version of a service, as an application refers to it.
#[derive(Debug, Clone)]
pub struct ServiceVersion {
    pub version: i64,
    pub service: Service,
}

/// A published service version as stored: passport, form, process, decisions, task forms,
/// result template.
type ServiceRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn service_from(row: ServiceRow) -> Result<Service, DbError> {
    let (p, f, process, decisions, task_forms, result) = row;
    Ok(Service {
        passport: decode(&p)?,
        form: decode(&f)?,
        process,
        decisions: decisions
            .map(|d| decode(&d))
            .transpose()?
            .unwrap_or_default(),
        task_forms: task_forms
            .map(|d| decode(&d))
            .transpose()?
            .unwrap_or_default(),
        result: result.map(|r| decode(&r)).transpose()?,
    })
}

pub struct RegistryStore<'a> {
    pub db: &'a Db,
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("registry records serialise")
}

fn decode<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, DbError> {
    serde_json::from_str(s).map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))
}

impl RegistryStore<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        CalendarStore::migrate(db).await?;
        db.migrate("registry", MIGRATIONS).await
    }

    /// Loads a registry into the database in one transaction. Records are compared with what is
    /// stored, so importing the same files again changes nothing; a changed service gets a new
    /// version; a service missing from the files is withdrawn from the catalogue (its
    /// applications and versions stay).
    pub async fn import(&self, reg: &Registry) -> Result<ImportReport, DbError> {
        let now = yagona_core::format_timestamp(&yagona_core::now());
        let mut report = ImportReport::default();
        let mut tx = self.db.writer.begin().await?;
        for a in &reg.agencies {
            let data = json(a);
            let old: Option<String> =
                sqlx::query_scalar("SELECT data FROM registry_agencies WHERE code = $1")
                    .bind(a.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            match old {
                Some(o) if o == data => {}
                Some(_) => {
                    sqlx::query(
                        "UPDATE registry_agencies SET data = $1, updated_at = $2 WHERE code = $3",
                    )
                    .bind(&data)
                    .bind(&now)
                    .bind(a.code.as_str())
                    .execute(&mut *tx)
                    .await?;
                    report.agencies_changed += 1;
                }
                None => {
                    sqlx::query("INSERT INTO registry_agencies (code, data, updated_at) VALUES ($1, $2, $3)")
                        .bind(a.code.as_str())
                        .bind(&data)
                        .bind(&now)
                        .execute(&mut *tx)
                        .await?;
                    report.agencies_changed += 1;
                }
            }
        }
        for (pos, e) in reg.life_events.iter().enumerate() {
            let data = json(e);
            let old: Option<(i64, String)> =
                sqlx::query_as("SELECT position, data FROM registry_life_events WHERE code = $1")
                    .bind(e.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            if old
                .as_ref()
                .is_some_and(|(p, d)| *p == pos as i64 && *d == data)
            {
                continue;
            }
            if old.is_some() {
                sqlx::query(
                    "UPDATE registry_life_events SET position = $1, data = $2 WHERE code = $3",
                )
                .bind(pos as i64)
                .bind(&data)
                .bind(e.code.as_str())
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query(
                    "INSERT INTO registry_life_events (code, position, data) VALUES ($1, $2, $3)",
                )
                .bind(e.code.as_str())
                .bind(pos as i64)
                .bind(&data)
                .execute(&mut *tx)
                .await?;
            }
            report.life_events_changed += 1;
        }
        for b in &reg.bhm {
            let from = b.from.to_string();
            let old: Option<i64> =
                sqlx::query_scalar("SELECT uzs FROM registry_bhm WHERE from_date = $1")
                    .bind(&from)
                    .fetch_optional(&mut *tx)
                    .await?;
            if old == Some(b.uzs) {
                continue;
            }
            if old.is_some() {
                sqlx::query("UPDATE registry_bhm SET uzs = $1 WHERE from_date = $2")
                    .bind(b.uzs)
                    .bind(&from)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query("INSERT INTO registry_bhm (from_date, uzs) VALUES ($1, $2)")
                    .bind(&from)
                    .bind(b.uzs)
                    .execute(&mut *tx)
                    .await?;
            }
            report.bhm_changed += 1;
        }
        // Fact sources as a whole: the file's list replaces the stored one when they differ.
        let stored: Vec<(String, String)> =
            sqlx::query_as("SELECT key, data FROM registry_fact_sources ORDER BY position")
                .fetch_all(&mut *tx)
                .await?;
        let wanted: Vec<(String, String)> = reg
            .facts
            .iter()
            .map(|f| (f.key.as_str().to_owned(), json(f)))
            .collect();
        if stored != wanted {
            sqlx::query("DELETE FROM registry_fact_sources")
                .execute(&mut *tx)
                .await?;
            for (pos, (key, data)) in wanted.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO registry_fact_sources (key, position, data) VALUES ($1, $2, $3)",
                )
                .bind(key)
                .bind(pos as i64)
                .bind(data)
                .execute(&mut *tx)
                .await?;
            }
            report.fact_sources_changed = wanted.len().max(stored.len());
        }
        for y in &reg.calendar {
            if CalendarStore::save(&mut tx, y, &now).await? {
                report.calendar_years_changed += 1;
            }
        }
        let mut codes = Vec::new();
        for s in &reg.services {
            let code = s.passport.code.as_str();
            codes.push(code.to_owned());
            let passport = json(&s.passport);
            let form = json(&s.form);
            let decisions = (!s.decisions.is_empty()).then(|| json(&s.decisions));
            let task_forms = (!s.task_forms.is_empty()).then(|| json(&s.task_forms));
            let result = s.result.as_ref().map(json);
            // A service without a result template hashes as it did before templates existed,
            // so that importing the same files after an upgrade publishes nothing new.
            let hash = match (&s.process, &decisions, &task_forms, &result) {
                (None, None, None, None) => content_hash(&format!("{passport}\u{0}{form}")),
                (p, d, t, r) => content_hash(&format!(
                    "{passport}\u{0}{form}\u{0}{}\u{0}{}\u{0}{}{}",
                    p.as_deref().unwrap_or(""),
                    d.as_deref().unwrap_or(""),
                    t.as_deref().unwrap_or(""),
                    r.as_deref()
                        .map(|r| format!("\u{0}{r}"))
                        .unwrap_or_default()
                )),
            };
            let old: Option<(i64, String, i64)> = sqlx::query_as(
                "SELECT version, content_hash, withdrawn FROM registry_services WHERE code = $1",
            )
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
            let version = match &old {
                Some((_, h, 0)) if *h == hash => continue,
                Some((v, h, _)) if *h == hash => *v,
                Some((v, _, _)) => v + 1,
                None => 1,
            };
            if old.is_some() {
                sqlx::query("UPDATE registry_services SET agency_code = $1, version = $2, content_hash = $3, withdrawn = 0, updated_at = $4 WHERE code = $5")
                    .bind(s.passport.agency.as_str())
                    .bind(version)
                    .bind(&hash)
                    .bind(&now)
                    .bind(code)
                    .execute(&mut *tx)
                    .await?;
            } else {
                sqlx::query("INSERT INTO registry_services (code, agency_code, version, content_hash, withdrawn, updated_at) VALUES ($1, $2, $3, $4, 0, $5)")
                    .bind(code)
                    .bind(s.passport.agency.as_str())
                    .bind(version)
                    .bind(&hash)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
            }
            if old.as_ref().is_none_or(|(v, _, _)| *v != version) {
                sqlx::query("INSERT INTO registry_service_versions (code, version, passport, form, published_at, process, decisions, task_forms, result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(code)
                    .bind(version)
                    .bind(&passport)
                    .bind(&form)
                    .bind(&now)
                    .bind(&s.process)
                    .bind(&decisions)
                    .bind(&task_forms)
                    .bind(&result)
                    .execute(&mut *tx)
                    .await?;
            }
            report.services_published += 1;
        }
        let current: Vec<String> =
            sqlx::query_scalar("SELECT code FROM registry_services WHERE withdrawn = 0")
                .fetch_all(&mut *tx)
                .await?;
        for code in current.iter().filter(|c| !codes.contains(c)) {
            sqlx::query(
                "UPDATE registry_services SET withdrawn = 1, updated_at = $1 WHERE code = $2",
            )
            .bind(&now)
            .bind(code)
            .execute(&mut *tx)
            .await?;
            report.services_withdrawn += 1;
        }
        if report.changed_anything() {
            sqlx::query("UPDATE registry_meta SET value = value + 1 WHERE key = 'version'")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// A number that changes whenever the registry does; readers reload their catalogue on change.
    pub async fn version(&self) -> Result<i64, DbError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM registry_meta WHERE key = 'version'")
                .fetch_one(&self.db.pool)
                .await?,
        )
    }

    /// The current registry (withdrawn services left out), as `export` writes it.
    pub async fn load(&self) -> Result<Registry, DbError> {
        let mut reg = Registry::default();
        for row in sqlx::query("SELECT data FROM registry_agencies ORDER BY code")
            .fetch_all(&self.db.pool)
            .await?
        {
            reg.agencies.push(decode(&row.try_get::<String, _>(0)?)?);
        }
        for row in sqlx::query("SELECT data FROM registry_life_events ORDER BY position")
            .fetch_all(&self.db.pool)
            .await?
        {
            reg.life_events.push(decode(&row.try_get::<String, _>(0)?)?);
        }
        for (from, uzs) in sqlx::query_as::<_, (String, i64)>(
            "SELECT from_date, uzs FROM registry_bhm ORDER BY from_date",
        )
        .fetch_all(&self.db.pool)
        .await?
        {
            let from = from
                .parse()
                .map_err(|e| DbError::Sqlx(sqlx::Error::Decode(Box::new(e))))?;
            reg.bhm.push(BhmAmount { from, uzs });
        }
        for row in sqlx::query("SELECT data FROM registry_fact_sources ORDER BY position")
            .fetch_all(&self.db.pool)
            .await?
        {
            reg.facts.push(decode(&row.try_get::<String, _>(0)?)?);
        }
        let cal = CalendarStore { db: self.db }.load().await?;
        reg.calendar = cal.years().cloned().collect::<Vec<YearCalendar>>();
        let rows: Vec<ServiceRow> = sqlx::query_as(
            "SELECT v.passport, v.form, v.process, v.decisions, v.task_forms, v.result FROM registry_services s
             JOIN registry_service_versions v ON v.code = s.code AND v.version = s.version
             WHERE s.withdrawn = 0 ORDER BY s.code",
        )
        .fetch_all(&self.db.pool)
        .await?;
        for row in rows {
            reg.services.push(service_from(row)?);
        }
        Ok(reg)
    }

    /// The read model for pages and the API: registry, versions and search index.
    pub async fn catalogue(&self) -> Result<Catalogue, DbError> {
        let version = self.version().await?;
        let reg = self.load().await?;
        let versions: Vec<(String, i64)> =
            sqlx::query_as("SELECT code, version FROM registry_services WHERE withdrawn = 0")
                .fetch_all(&self.db.pool)
                .await?;
        Ok(Catalogue::new(reg, version, versions.into_iter().collect()))
    }

    /// A specific published version of a service (for an application made under it).
    pub async fn service_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<ServiceVersion>, DbError> {
        let row: Option<ServiceRow> = sqlx::query_as(
            "SELECT passport, form, process, decisions, task_forms, result FROM registry_service_versions WHERE code = $1 AND version = $2",
        )
        .bind(code)
        .bind(version)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(ServiceVersion {
                version,
                service: service_from(row)?,
            })),
            None => Ok(None),
        }
    }
}
