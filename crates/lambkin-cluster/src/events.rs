//! Asynchronous events in the work-queue stream `LAMBKIN_EVENTS`: one subject per function
//! (`lambkin.events.<function>`), one durable pull consumer (`delivery`) that every host pulls from.
//!
//! An event is acknowledged only after its final outcome (delivered, retried as a new message, ended as a dead
//! letter), so an event a host was delivering when it died is redelivered to another host once its
//! acknowledgement is [`ACK_WAIT`] overdue (a host reports progress every [`PROGRESS`] while it runs one).
//! The consumer never gives up on its own (`max_deliver` unlimited): retries, maximum age, destinations and dead
//! letters are counted by lambkin, which ends an exhausted event with `Term` (a 2.9 work queue keeps a message
//! that ran out of `max_deliver`).

use std::time::Duration;

use async_nats::jetstream::{self, consumer, AckKind};
use bytes::Bytes;
use futures_util::StreamExt;

/// The stream.
pub(crate) const STREAM: &str = "LAMBKIN_EVENTS";
/// The consumer every host shares.
const CONSUMER: &str = "delivery";
/// How long a host may hold an event without a word before it is given to another host.
pub const ACK_WAIT: Duration = Duration::from_secs(10);
/// How often a host holding an event says it is still at it.
pub const PROGRESS: Duration = Duration::from_secs(3);

/// The stream and the shared consumer.
pub struct Events {
    js: jetstream::Context,
    consumer: consumer::PullConsumer,
}

/// An event a host took for delivery; it must end in [`Delivery::ack`], [`Delivery::retry_later`] or
/// [`Delivery::term`] (else it comes back after [`ACK_WAIT`]).
pub struct Delivery {
    message: jetstream::Message,
    /// The event.
    pub body: Bytes,
    /// How many times it has been handed out (1 the first time).
    pub delivered: u64,
}

impl Events {
    pub(crate) async fn open(js: &jetstream::Context, replicas: usize) -> Result<Events, String> {
        let stream = crate::ensure_stream(
            js,
            jetstream::stream::Config {
                name: STREAM.into(),
                description: Some("lambkin asynchronous invocations".into()),
                subjects: vec!["lambkin.events.>".into()],
                retention: jetstream::stream::RetentionPolicy::WorkQueue,
                num_replicas: replicas,
                ..Default::default()
            },
        )
        .await?;
        let consumer = stream
            .get_or_create_consumer(
                CONSUMER,
                consumer::pull::Config {
                    durable_name: Some(CONSUMER.into()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: ACK_WAIT,
                    max_deliver: -1,
                    max_ack_pending: 100_000,
                    num_replicas: replicas,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| format!("consumer {CONSUMER} of {STREAM}: {e}"))?;
        Ok(Events {
            js: js.clone(),
            consumer,
        })
    }

    /// Stores an event of `function`; returns once the stream acknowledged it (replicated).
    pub async fn publish(&self, function: &str, body: Bytes) -> Result<(), String> {
        let subject = format!("lambkin.events.{}", crate::token(function));
        self.js
            .publish(subject, body)
            .await
            .map_err(|e| e.to_string())?
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Drops every waiting event of `function` (it was deleted).
    pub async fn purge(&self, function: &str) -> Result<(), String> {
        let subject = format!("lambkin.events.{}", crate::token(function));
        let stream = self
            .js
            .get_stream(STREAM)
            .await
            .map_err(|e| e.to_string())?;
        stream
            .purge()
            .filter(subject)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Up to `max` events, waiting up to a second for the first.
    pub async fn take(&self, max: usize) -> Result<Vec<Delivery>, String> {
        let mut batch = self
            .consumer
            .batch()
            .max_messages(max.max(1))
            .expires(Duration::from_secs(1))
            .messages()
            .await
            .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(m) = batch.next().await {
            let message = match m {
                Ok(m) => m,
                Err(e) => {
                    return if out.is_empty() {
                        Err(e.to_string())
                    } else {
                        Ok(out)
                    }
                }
            };
            let delivered = message.info().map(|i| i.delivered).unwrap_or(1);
            let delivered = u64::try_from(delivered).unwrap_or(1);
            out.push(Delivery {
                body: message.payload.clone(),
                message,
                delivered,
            });
        }
        Ok(out)
    }
}

impl Delivery {
    /// Says the event is still being delivered (call every [`PROGRESS`]).
    pub async fn progress(&self) {
        let _ = self.message.ack_with(AckKind::Progress).await;
    }

    /// Ends the event: it was delivered, or its follow-ups were published.
    pub async fn ack(self) -> Result<(), String> {
        self.message.double_ack().await.map_err(|e| e.to_string())
    }

    /// Hands the event back, to be delivered again in `delay`.
    pub async fn retry_later(self, delay: Duration) -> Result<(), String> {
        self.message
            .ack_with(AckKind::Nak(Some(delay)))
            .await
            .map_err(|e| e.to_string())
    }

    /// Ends an event for good without delivering it again (exhausted, expired, stopped).
    pub async fn term(self) -> Result<(), String> {
        self.message
            .double_ack_with(AckKind::Term)
            .await
            .map_err(|e| e.to_string())
    }
}
