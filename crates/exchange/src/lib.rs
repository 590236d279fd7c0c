//! Interagency exchange compatible with X-Road's REST message protocol (`docs/exchange-reference.md`).
//!
//! This crate starts with the protocol's vocabulary, which every other part builds on:
//! - [`id`]: client and service identifiers, parsed from `/r1/…` paths and `X-Road-*` headers
//!   and written back, each part percent-encoded on its own;
//! - [`access`]: access rights (deny by default; per service or per endpoint with method and
//!   path globs) and the decision whether a call is allowed;
//! - [`error`]: the protocol's error types and their `X-Road-Error` JSON body;
//! - [`headers`]: which headers cross the gateway, and the request hash;
//! - [`evidence`]: signed messages in a hash-chained log, and its verification;
//! - [`log`]: that log in the database (both SQLite and PostgreSQL), appended by any number of
//!   nodes in one chain;
//! - [`directory`]: members, subsystems, services and rights as data (files, database, memory);
//! - [`token`]: signed client tokens, one way a calling system proves which subsystem it is;
//! - [`situation`]: who calls whom, with volumes, errors and latency, from the log;
//! - [`archive`]: the oldest entries moved to files that verify offline;
//! - [`checkpoint`]: signed checkpoints of the log's head, witnessed outside the database;
//! - [`pubsub`]: GovStack's publish/subscribe (rooms, event types, push and pull, at-least-once);
//! - [`keys`]: subsystem and node key pairs (one command; no certificate authority);
//! - [`tls`]: mutual TLS with self-signed certificates around those keys, pinned by the other side.

pub mod access;
pub mod archive;
pub mod checkpoint;
pub mod directory;
pub mod error;
pub mod evidence;
pub mod headers;
pub mod id;
pub mod keys;
pub mod log;
pub mod pubsub;
pub mod situation;
pub mod tls;
pub mod token;

/// The base URL of a service this node itself answers behind its gateway, followed by the path
/// of its HTTP interface (`yagona:node/govstack/registration`): the node's own APIs, reached in
/// place, with the calling system vouched for as GovStack's Information Mediator does.
pub const NODE_BASE_URL: &str = "yagona:node";

pub use access::{Grantee, Right};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
pub use error::{ErrorKind, ExchangeError};
pub use id::{ClientId, ServiceId};
