//! The catalogue as each node keeps it: built once, rebuilt when the registry's version in the
//! database changes (an import here or on another node), looked at most every two seconds. And
//! the published versions of services applications are made under, which never change once
//! published, so that a form's compiled schema is reused by every request that checks it.

use crate::catalogue::Catalogue;
use crate::store::{RegistryStore, ServiceVersion};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yagona_db::{Db, DbError};

/// How often a node looks for registry changes made by an import or by another node.
const CHECK: Duration = Duration::from_secs(2);

/// How many published service versions a node keeps read (far more than a registry has live).
const VERSIONS_KEPT: usize = 4096;

type Versions = HashMap<(String, i64), Arc<ServiceVersion>>;

/// A node's current catalogue. Cheap to clone: clones share the one catalogue.
#[derive(Clone)]
pub struct CatalogueCache {
    db: Db,
    current: Arc<Mutex<(Arc<Catalogue>, Instant)>>,
    versions: Arc<Mutex<Versions>>,
}

impl CatalogueCache {
    /// Reads the catalogue now.
    pub async fn new(db: &Db) -> Result<CatalogueCache, DbError> {
        let catalogue = RegistryStore { db }.catalogue().await?;
        Ok(CatalogueCache {
            db: db.clone(),
            current: Arc::new(Mutex::new((Arc::new(catalogue), Instant::now()))),
            versions: Arc::default(),
        })
    }

    /// A published version of a service (the one an application was made under). Read from
    /// the database once per node: a published version never changes.
    pub async fn service_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<Arc<ServiceVersion>>, DbError> {
        let key = (code.to_owned(), version);
        if let Some(v) = self.lock_versions().get(&key) {
            return Ok(Some(v.clone()));
        }
        let Some(read) = (RegistryStore { db: &self.db })
            .service_version(code, version)
            .await?
        else {
            return Ok(None);
        };
        let mut versions = self.lock_versions();
        if versions.len() >= VERSIONS_KEPT {
            versions.clear();
        }
        Ok(Some(
            versions
                .entry(key)
                .or_insert_with(|| Arc::new(read))
                .clone(),
        ))
    }

    fn lock_versions(&self) -> std::sync::MutexGuard<'_, Versions> {
        self.versions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current catalogue, rebuilt first when the registry version has changed. A failed
    /// check or rebuild is logged and the previous catalogue served.
    pub async fn get(&self) -> Arc<Catalogue> {
        let current = {
            let mut guard = self.current.lock().unwrap_or_else(|e| e.into_inner());
            if guard.1.elapsed() < CHECK {
                return guard.0.clone();
            }
            // This request looks; the others meanwhile serve what there is.
            guard.1 = Instant::now();
            guard.0.clone()
        };
        let store = RegistryStore { db: &self.db };
        let fresh = match store.version().await {
            Ok(v) if v == current.version => None,
            Ok(_) => match store.catalogue().await {
                Ok(c) => Some(Arc::new(c)),
                Err(e) => {
                    tracing::error!(error = %e, "catalogue reload failed; serving the previous one");
                    None
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "registry version check failed");
                None
            }
        };
        let mut guard = self.current.lock().unwrap_or_else(|e| e.into_inner());
        // Versions only grow: a slower look never puts an older catalogue back.
        if let Some(c) = fresh.filter(|c| c.version > guard.0.version) {
            guard.0 = c;
        }
        guard.0.clone()
    }
}
