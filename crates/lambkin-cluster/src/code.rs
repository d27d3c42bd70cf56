//! Code and layer zips in the JetStream object store `lambkin-code`, named by their hex SHA-256.
//!
//! The host that receives an upload checks and unpacks it, then publishes the zip; another host fetches it the
//! first time one of its environments needs it, checks its SHA-256 and unpacks it once (`lambkin_store`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, object_store};
use lambkin_store::StoreError;

use crate::rt::Rt;

/// The bucket.
pub(crate) const BUCKET: &str = "lambkin-code";
/// How long a download may take in all, attempts included.
const DOWNLOAD: Duration = Duration::from_secs(30);
/// How long one download attempt may go without finishing (a consumer on a dead node never does).
const ATTEMPT: Duration = Duration::from_secs(3);

/// [`lambkin_store::CodeShare`] on the object store.
pub(crate) struct ObjectCode {
    rt: Arc<Rt>,
    store: object_store::ObjectStore,
    stream: Arc<jetstream::stream::Stream>,
}

impl ObjectCode {
    /// Opens the bucket, creating it with `replicas`.
    pub(crate) async fn open(
        rt: Arc<Rt>,
        js: &jetstream::Context,
        replicas: usize,
    ) -> Result<ObjectCode, String> {
        let stream = crate::ensure_stream(
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
        Ok(ObjectCode {
            rt,
            store,
            stream: Arc::new(stream),
        })
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
        let (store, stream) = (self.store.clone(), self.stream.clone());
        let name = sha256_hex.to_owned();
        // A download may outlast a stream's leader election after a node's death (seconds): it is on the first
        // invoke on this host only, so it may wait longer than a metadata read.
        self.rt.block_for("code download", DOWNLOAD, async move {
            // A NATS node that dies takes the reading consumer with it, and a stream electing a new leader
            // answers nothing for a moment: try again (within the call's time limit).
            let mut delay = Duration::from_millis(100);
            loop {
                let attempt = tokio::time::timeout(ATTEMPT, read(&store, &stream, &name)).await;
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

/// The object's bytes, read chunk by chunk with direct message requests to the stream (the client's `get` makes
/// a consumer, which a NATS node's death can leave waiting for a new leader much longer than a read).
async fn read(
    store: &object_store::ObjectStore,
    stream: &jetstream::stream::Stream,
    name: &str,
) -> Result<Option<Vec<u8>>, String> {
    let info = match store.info(name).await {
        Ok(i) => i,
        Err(e) if e.kind() == object_store::InfoErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let subject = format!("$O.{BUCKET}.C.{}", info.nuid);
    let mut bytes = Vec::with_capacity(info.size);
    let mut next = 1;
    for _ in 0..info.chunks {
        let chunk = stream
            .get_first_raw_message_by_subject(&subject, next)
            .await
            .map_err(|e| e.to_string())?;
        bytes.extend_from_slice(&chunk.payload);
        next = chunk.sequence + 1;
    }
    if bytes.len() != info.size {
        return Err(format!("{} of {} bytes", bytes.len(), info.size));
    }
    Ok(Some(bytes))
}
