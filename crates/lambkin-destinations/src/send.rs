//! One delivery: which call each service gets, with what, and what its answer means.

use crate::clients::Clients;
use crate::delivery::{self, AttributeType, Delivery};
use crate::error::{entry_error, SendError};
use crate::target::Target;

/// A message's body and attributes, as SQS and SNS both take them.
struct Message {
    body: String,
    attributes: Vec<(&'static str, AttributeType, String)>,
}

pub(crate) async fn send(
    clients: &Clients,
    target: &Target,
    delivery: &Delivery,
) -> Result<(), SendError> {
    match delivery {
        Delivery::Record {
            record,
            success,
            function_arn,
            request_id,
            origin,
        } => {
            tracing::debug!(
                "destination record of {request_id} ({}) to {target}",
                if *success { "success" } else { "failure" }
            );
            let body = delivery::record_body(record, origin, target.service());
            match target {
                Target::Sqs {
                    region,
                    account,
                    queue,
                } => {
                    let message = Message {
                        body,
                        attributes: Vec::new(),
                    };
                    sqs(clients, target, region, account, queue, message).await
                }
                Target::Sns { region, topic, .. } => {
                    let message = Message {
                        body,
                        attributes: Vec::new(),
                    };
                    sns(clients, target, region, topic, message).await
                }
                Target::EventBus { region, bus, .. } => {
                    let entry = delivery::event_entry(bus, body, *success, function_arn);
                    events(clients, target, region, entry).await
                }
                Target::S3 { bucket } => {
                    if *success {
                        return Err(SendError::refused(
                            target,
                            "S3 buckets are supported only for on-failure destinations",
                        ));
                    }
                    let key = delivery::s3_key(
                        origin,
                        function_arn,
                        time::OffsetDateTime::now_utc(),
                        uuid::Uuid::new_v4(),
                    );
                    s3(clients, target, bucket, key, body).await
                }
            }
        }
        Delivery::DeadLetter {
            payload,
            request_id,
            error_code,
            error_message,
        } => {
            tracing::debug!("dead letter of {request_id} to {target}");
            let Ok(body) = std::str::from_utf8(payload) else {
                return Err(SendError::refused(
                    target,
                    "the event is not UTF-8 text, which SQS and SNS messages must be",
                ));
            };
            let message = Message {
                body: body.to_owned(),
                attributes: delivery::dead_letter_attributes(request_id, error_code, error_message),
            };
            match target {
                Target::Sqs {
                    region,
                    account,
                    queue,
                } => sqs(clients, target, region, account, queue, message).await,
                Target::Sns { region, topic, .. } => {
                    sns(clients, target, region, topic, message).await
                }
                Target::EventBus { .. } | Target::S3 { .. } => Err(SendError::refused(
                    target,
                    "a dead-letter queue is an SQS queue or an SNS topic",
                )),
            }
        }
    }
}

/// `SendMessage`, to the queue's URL (`GetQueueUrl` with the queue's owner, once).
async fn sqs(
    clients: &Clients,
    target: &Target,
    region: &str,
    account: &str,
    queue: &str,
    message: Message,
) -> Result<(), SendError> {
    if queue.ends_with(".fifo") {
        return Err(SendError::refused(
            target,
            "Lambda supports only standard SQS queues, not FIFO queues",
        ));
    }
    let client = clients.sqs(region).await;
    let key = (region.to_owned(), account.to_owned(), queue.to_owned());
    let url = match clients.queue_url(&key) {
        Some(url) => url,
        None => {
            let out = client
                .get_queue_url()
                .queue_name(queue)
                .queue_owner_aws_account_id(account)
                .send()
                .await
                .map_err(|e| SendError::from_sdk(target, "GetQueueUrl", &e))?;
            let Some(url) = out.queue_url else {
                return Err(SendError {
                    permanent: false,
                    message: format!("{target}: GetQueueUrl answered no QueueUrl"),
                });
            };
            clients.keep_queue_url(key.clone(), Some(url.clone()));
            url
        }
    };
    let mut req = client
        .send_message()
        .queue_url(url)
        .message_body(message.body);
    for (name, data_type, value) in message.attributes {
        let value = aws_sdk_sqs::types::MessageAttributeValue::builder()
            .data_type(data_type.as_str())
            .string_value(value)
            .build()
            .map_err(|e| SendError::refused(target, e))?;
        req = req.message_attributes(name, value);
    }
    req.send().await.map(drop).map_err(|e| {
        let err = SendError::from_sdk(target, "SendMessage", &e);
        if err.permanent {
            // The queue may be gone, and a queue of the same name made again has another URL.
            clients.keep_queue_url(key, None);
        }
        err
    })
}

/// `Publish` to the topic.
async fn sns(
    clients: &Clients,
    target: &Target,
    region: &str,
    topic: &str,
    message: Message,
) -> Result<(), SendError> {
    if topic.ends_with(".fifo") {
        return Err(SendError::refused(
            target,
            "Lambda supports only standard SNS topics, not FIFO topics",
        ));
    }
    let client = clients.sns(region).await;
    let mut req = client.publish().topic_arn(topic).message(message.body);
    for (name, data_type, value) in message.attributes {
        let value = aws_sdk_sns::types::MessageAttributeValue::builder()
            .data_type(data_type.as_str())
            .string_value(value)
            .build()
            .map_err(|e| SendError::refused(target, e))?;
        req = req.message_attributes(name, value);
    }
    req.send()
        .await
        .map(drop)
        .map_err(|e| SendError::from_sdk(target, "Publish", &e))
}

/// `PutEvents` with one entry; an entry refused in a successful answer is a failure too.
async fn events(
    clients: &Clients,
    target: &Target,
    region: &str,
    entry: aws_sdk_eventbridge::types::PutEventsRequestEntry,
) -> Result<(), SendError> {
    let client = clients.events(region).await;
    let out = client
        .put_events()
        .entries(entry)
        .send()
        .await
        .map_err(|e| SendError::from_sdk(target, "PutEvents", &e))?;
    if out.failed_entry_count() == 0 {
        return Ok(());
    }
    let failed = out.entries().iter().find(|e| e.error_code().is_some());
    let code = failed
        .and_then(|e| e.error_code())
        .unwrap_or("UnknownError");
    let message = failed.and_then(|e| e.error_message()).unwrap_or("");
    Err(entry_error(target, "PutEvents", code, message))
}

/// `PutObject` of the record as JSON.
async fn s3(
    clients: &Clients,
    target: &Target,
    bucket: &str,
    key: String,
    body: String,
) -> Result<(), SendError> {
    let client = clients.s3(&clients.default_region).await;
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type("application/json")
        .body(aws_sdk_s3::primitives::ByteStream::from(body.into_bytes()))
        .send()
        .await
        .map(drop)
        .map_err(|e| SendError::from_sdk(target, "PutObject", &e))
}
