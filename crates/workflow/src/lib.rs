//! Business process management: BPMN 2.0 models as bpmn.io and Camunda Modeler save them.
//!
//! `read`/`check` read models (namespaces with any prefix, Camunda 8 `zeebe:` extensions,
//! diagram interchange kept) and check them against the executable subset; `engine` runs an
//! instance as state moved by events, `store` durably on SQLite or PostgreSQL; `dmn` evaluates
//! the decisions of business-rule tasks; `svg` draws a diagram, `xes` exports history.

pub mod camunda7;
pub mod check;
pub mod dmn;
pub mod engine;
pub mod feel;
pub mod model;
pub mod read;
pub mod simulate;
pub mod store;
pub mod svg;
pub mod timer;
pub mod xes;
pub mod xml;

pub use check::{check, Finding};
pub use model::Definitions;
pub use read::{read, read_with, Limits, ReadError};
