//! Lambda's destination records and dead letters, delivered to SQS, SNS, EventBridge and S3 as AWS Lambda
//! delivers them, through the AWS SDK crates.
//!
//! - An on-success or on-failure record ([`Delivery::Record`]) goes to an SQS queue or SNS topic as the
//!   message (`SendMessage` / `Publish`), to an event bus as the `Detail` of a `PutEvents` entry with `Source`
//!   `lambda` and `DetailType` `Lambda Function Invocation Result - Success` / `- Failure`, or, on failure only,
//!   to an S3 bucket as a JSON object under `aws/lambda/async/<function-name>/YYYY/MM/DD/…` (an event source
//!   mapping's under `aws/lambda/<ESM-UUID>/<shardID>/…`).
//! - A dead letter ([`Delivery::DeadLetter`]) goes to an SQS queue or SNS topic as the event itself, with the
//!   message attributes `RequestID` (String), `ErrorCode` (Number) and `ErrorMessage` (String, first 1 KB).
//!
//! Lambda takes only standard queues and topics: a FIFO one is refused as a permanent failure. Every failure
//! says whether retrying can help ([`SendError::permanent`]); retrying is the caller's to decide.
//!
//! Knows nothing of lambkin's store, queue or API: the caller builds the record and says where it goes.

mod clients;
mod delivery;
mod error;
mod send;
mod target;

use std::sync::Arc;

pub use delivery::{Delivery, Origin};
pub use error::SendError;
pub use target::Target;

/// Delivers records and dead letters. Cheap to clone; its SDK clients are built on first need and kept, one per
/// service and region.
#[derive(Clone)]
pub struct Destinations {
    clients: Arc<clients::Clients>,
}

impl Destinations {
    /// Deliveries configured as the AWS SDKs configure themselves. `default_region` (the function's) is the
    /// region of targets whose ARN names none: S3 buckets.
    pub fn new(default_region: &str) -> Self {
        Destinations {
            clients: Arc::new(clients::Clients::new(default_region, None, None)),
        }
    }

    /// Deliveries to one endpoint for every service (an AWS-compatible server), credentials from the standard
    /// chain. S3 is then addressed path-style.
    pub fn with_endpoint(default_region: &str, endpoint_url: &str) -> Self {
        Destinations {
            clients: Arc::new(clients::Clients::new(
                default_region,
                Some(endpoint_url.to_owned()),
                None,
            )),
        }
    }

    /// Deliveries to one endpoint with fixed access keys (tests, local servers).
    pub fn with_endpoint_and_keys(
        default_region: &str,
        endpoint_url: &str,
        access_key_id: &str,
        secret_access_key: &str,
    ) -> Self {
        let keys = clients::Credentials::new(
            access_key_id,
            secret_access_key,
            None,
            None,
            "lambkin-destinations",
        );
        Destinations {
            clients: Arc::new(clients::Clients::new(
                default_region,
                Some(endpoint_url.to_owned()),
                Some(keys),
            )),
        }
    }

    /// Delivers `delivery` to `target` as Lambda does, once (the SDK's own second attempt aside).
    pub async fn send(&self, target: &Target, delivery: &Delivery) -> Result<(), SendError> {
        send::send(&self.clients, target, delivery).await
    }
}
