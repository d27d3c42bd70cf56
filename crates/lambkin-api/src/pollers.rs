//! The service's handle on the event source pollers (a leaf, held by `Service`): the pollers themselves
//! (`lambkin-sources`, started by `esm.rs`), the reconciler's wake-up and what the pollers last reported.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use lambkin_sources::{Source, Sources};

use crate::records::mappings::MappingRecord;

/// The event source mappings' side of the service.
#[derive(Default)]
pub(crate) struct Mappings {
    pub(crate) wake: tokio::sync::Notify,
    pub(crate) sources: OnceLock<Sources>,
    /// `LastProcessingResult` per mapping, as the pollers report it (written to the store by the reconciler
    /// when it changes).
    pub(crate) results: Mutex<HashMap<String, String>>,
}

impl Mappings {
    /// A mapping changed through the API: reconcile now.
    pub(crate) fn changed(&self) {
        self.wake.notify_one();
    }

    /// A stored mapping with its latest processing result.
    pub(crate) fn current(&self, mut m: MappingRecord) -> MappingRecord {
        if let Some(r) = self.result(&m.uuid) {
            m.last_result = Some(r);
        }
        m
    }

    pub(crate) fn result(&self, uuid: &str) -> Option<String> {
        self.results
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(uuid)
            .cloned()
    }

    /// Whether a mapping's source can be read now (`Sources::check`).
    pub(crate) async fn check(&self, source: &Source) -> Result<(), String> {
        match self.sources.get() {
            Some(s) => s.check(source).await,
            None => Ok(()),
        }
    }

    /// The UUIDs of the mappings whose pollers run on this host.
    pub(crate) fn running(&self) -> Vec<String> {
        self.sources.get().map(Sources::uuids).unwrap_or_default()
    }
}
