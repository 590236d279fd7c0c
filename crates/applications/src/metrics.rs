//! What applications count for operators' dashboards, whatever channel they came through.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServiceLabels {
    service: String,
}

/// Counters of submissions and officers' decisions, by service.
#[derive(Clone, Default)]
pub(crate) struct Metrics {
    submitted: Family<ServiceLabels, Counter>,
    decisions: Family<ServiceLabels, Counter>,
}

impl Metrics {
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "applications_submitted",
            "Applications submitted or resubmitted",
            self.submitted.clone(),
        );
        registry.register(
            "application_decisions",
            "Decisions taken by officers",
            self.decisions.clone(),
        );
    }

    pub fn submitted(&self, service: &str) {
        self.submitted
            .get_or_create(&ServiceLabels {
                service: service.to_owned(),
            })
            .inc();
    }

    pub fn decided(&self, service: &str) {
        self.decisions
            .get_or_create(&ServiceLabels {
                service: service.to_owned(),
            })
            .inc();
    }
}
