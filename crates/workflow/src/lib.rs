//! Business process management: BPMN 2.0 models as bpmn.io and Camunda Modeler save them.
//!
//! This first part reads models (namespaces with any prefix, Camunda 8 `zeebe:` extensions,
//! diagram interchange kept) and checks them against the executable subset the engine runs.
//! Execution, durable state, workers and the task inbox are the next parts of issue 3.

pub mod check;
pub mod engine;
pub mod feel;
pub mod model;
pub mod read;
pub mod simulate;
pub mod store;
pub mod svg;
pub mod xes;
pub mod xml;

pub use check::{check, Finding};
pub use model::Definitions;
pub use read::{read, ReadError};
