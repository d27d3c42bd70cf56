//! Code and layer zips in the JetStream object store `lambkin-code`, named by their hex SHA-256.
//!
//! The host that receives an upload checks and unpacks it, then publishes the zip; another host fetches it the
//! first time one of its environments needs it, checks its SHA-256 and unpacks it once (`lambkin_store`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, object_store};
use lambkin_store::StoreError;
use tokio::io::AsyncReadExt;

use crate::rt::Rt;

/// The bucket.
pub(crate) const BUCKET: &str = "lambkin-code";
/// How long one download attempt may go without finishing (a consumer on a dead node never does).
const ATTEMPT: Duration = Duration::from_secs(3);

/// [`lambkin_store::CodeShare`] on the object store.
pub(crate) struct ObjectCode {
    rt: Arc<Rt>,
    store: object_store::ObjectStore,
}

impl ObjectCode {
    /// Opens the bucket, creating it with `replicas`.
    pub(crate) async fn open(
        rt: Arc<Rt>,
        js: &jetstream::Context,
        replicas: usize,
    ) -> Result<ObjectCode, String> {
        crate::ensure_stream(
            js,
            jetstream::stream::Config {
                name: format!("OBJ_{BUCKET}"),
                description: Some("lambkin code and layer zips".into()),
                subjects: vec![format!("$O.{BUCKET}.C.>"), format!("$O.{BUCKET}.M.>")],
                allow_rollup: true,
                allow_direct: true,
                discard: jetstream::stream::DiscardPolicy::New,
                num_replicas: replicas,
                ..Default::default()
            },
        )
        .await?;
        let store = js
            .get_object_store(BUCKET)
            .await
            .map_err(|e| format!("object store {BUCKET}: {e}"))?;
        Ok(ObjectCode { rt, store })
    }
}

impl lambkin_store::CodeShare for ObjectCode {
    fn publish(&self, sha256_hex: &str, zip: &Path) -> Result<(), StoreError> {
        let store = self.store.clone();
        let name = sha256_hex.to_owned();
        let bytes = std::fs::read(zip)?;
        self.rt.block("code upload", async move {
            if store.info(&name).await.is_ok() {
                return Ok(());
            }
            store
                .put(name.as_str(), &mut bytes.as_slice())
                .await
                .map_err(|e| StoreError::Cluster(format!("object {name}: {e}")))?;
            Ok(())
        })
    }

    fn fetch(&self, sha256_hex: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let store = self.store.clone();
        let name = sha256_hex.to_owned();
        self.rt.block("code download", async move {
            // A NATS node that dies takes the reading consumer with it, and a stream electing a new leader
            // answers nothing for a moment: try again (within the call's time limit).
            let mut delay = Duration::from_millis(100);
            loop {
                let attempt = tokio::time::timeout(ATTEMPT, read(&store, &name)).await;
                match attempt.unwrap_or_else(|_| Err("no progress".into())) {
                    Ok(found) => return Ok(found),
                    Err(e) => {
                        tracing::debug!("object {name}: {e}; again");
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(2));
                    }
                }
            }
        })
    }
}

async fn read(store: &object_store::ObjectStore, name: &str) -> Result<Option<Vec<u8>>, String> {
    let mut object = match store.get(name).await {
        Ok(o) => o,
        Err(e) if e.kind() == object_store::GetErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut bytes = Vec::new();
    object
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Some(bytes))
}
