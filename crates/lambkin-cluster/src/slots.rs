//! Cluster-wide concurrency: a function with reserved concurrency N has N slots in the KV bucket
//! `lambkin-slots` (`<function>.<i>`). An invoke on any host first takes a free slot with a compare-and-set
//! (create, or replace a slot whose holder is dead) and gives it back when its invoke phase ends; with none free
//! the cluster is at the function's limit and the invoke gets Lambda's 429.

use std::sync::Arc;

use async_nats::jetstream::{self, kv};

use crate::hosts::Hosts;

/// The bucket.
pub(crate) const BUCKET: &str = "lambkin-slots";

/// Who holds a slot.
#[derive(serde::Serialize, serde::Deserialize)]
struct Holder {
    host: String,
}

/// The slots of every function.
pub struct Slots {
    store: kv::Store,
    hosts: Arc<Hosts>,
    me: String,
}

/// A slot held until [`Slots::release`].
#[derive(Debug)]
pub struct Slot {
    key: String,
    revision: u64,
}

impl Slots {
    pub(crate) async fn open(
        js: &jetstream::Context,
        hosts: Arc<Hosts>,
        me: String,
        replicas: usize,
    ) -> Result<Slots, String> {
        let (_, store) = crate::kv_bucket(
            js,
            BUCKET,
            "lambkin concurrency slots",
            replicas,
            std::time::Duration::ZERO,
        )
        .await?;
        Ok(Slots { store, hosts, me })
    }

    /// Takes one of `function`'s `limit` slots; `None` when all are held by live hosts.
    pub async fn acquire(&self, function: &str, limit: u32) -> Result<Option<Slot>, String> {
        let holder = serde_json::to_vec(&Holder {
            host: self.me.clone(),
        })
        .map_err(|e| e.to_string())?;
        let function = crate::token(function);
        for i in 0..limit {
            let key = format!("{function}.{i}");
            match self.store.create(&key, holder.clone().into()).await {
                Ok(revision) => return Ok(Some(Slot { key, revision })),
                Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {}
                Err(e) => return Err(format!("slot {key}: {e}")),
            }
            // Held: free it if its holder is dead.
            let Ok(Some(entry)) = self.store.entry(key.clone()).await else {
                continue;
            };
            let held_by_live = matches!(entry.operation, kv::Operation::Put)
                && serde_json::from_slice::<Holder>(&entry.value)
                    .is_ok_and(|h| self.hosts.is_live(&h.host));
            if held_by_live {
                continue;
            }
            if let Ok(revision) = self
                .store
                .update(&key, holder.clone().into(), entry.revision)
                .await
            {
                return Ok(Some(Slot { key, revision }));
            }
        }
        Ok(None)
    }

    /// Gives a slot back.
    pub async fn release(&self, slot: Slot) {
        if let Err(e) = self
            .store
            .delete_expect_revision(&slot.key, Some(slot.revision))
            .await
        {
            tracing::warn!("cluster: slot {} not given back: {e}", slot.key);
        }
    }
}
