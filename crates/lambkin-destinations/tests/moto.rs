//! Every delivery against a real SQS/SNS/EventBridge/S3-compatible server: moto's standalone server from the
//! workspace's `.venv`. What arrives is read back through the services and checked field by field.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use lambkin_destinations::{Delivery, Destinations, Origin, SendError, Target};
use serde_json::{json, Value};

const REGION: &str = "us-east-1";
/// moto's account.
const ACCOUNT: &str = "123456789012";
const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:my-function:$LATEST";

/// A moto server on a free port, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto, or says why not: `None` skips the test (outside CI).
fn moto() -> Option<Moto> {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
    if !bin.exists() {
        let why = format!(
            "{} is missing (make the workspace's .venv with moto)",
            bin.display()
        );
        if std::env::var_os("CI").is_some() {
            panic!("{why}");
        }
        eprintln!("skipped: {why}");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(&bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let moto = Moto {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto did not listen on {port} in 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}

/// Plain SDK clients on moto, to make and read the targets.
struct Aws {
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    events: aws_sdk_eventbridge::Client,
    s3: aws_sdk_s3::Client,
}

async fn aws(url: &str) -> Aws {
    let loaded = lambkin_awssdk::load(&lambkin_awssdk::Settings {
        region: Some(REGION.into()),
        credentials: Some(lambkin_awssdk::Credentials::new(
            "test", "test", None, None, "test",
        )),
        ..Default::default()
    })
    .await;
    let sdk = loaded.into_builder().endpoint_url(url).build();
    let s3 = aws_sdk_s3::config::Builder::from(&sdk)
        .force_path_style(true)
        .build();
    Aws {
        sqs: aws_sdk_sqs::Client::new(&sdk),
        sns: aws_sdk_sns::Client::new(&sdk),
        events: aws_sdk_eventbridge::Client::new(&sdk),
        s3: aws_sdk_s3::Client::from_conf(s3),
    }
}

impl Aws {
    async fn queue(&self, name: &str) -> String {
        let out = self
            .sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .expect("CreateQueue");
        out.queue_url.expect("a queue URL")
    }

    /// The next message on a queue: its body and its message attributes (name → (type, value)).
    async fn receive(&self, url: &str) -> (String, Vec<(String, String, String)>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(url)
                .message_attribute_names("All")
                .wait_time_seconds(1)
                .send()
                .await
                .expect("ReceiveMessage");
            if let Some(m) = out.messages.unwrap_or_default().into_iter().next() {
                if let Some(h) = &m.receipt_handle {
                    let _ = self
                        .sqs
                        .delete_message()
                        .queue_url(url)
                        .receipt_handle(h)
                        .send()
                        .await;
                }
                let mut attrs: Vec<_> = m
                    .message_attributes
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.data_type, v.string_value.unwrap_or_default()))
                    .collect();
                attrs.sort();
                return (m.body.unwrap_or_default(), attrs);
            }
            assert!(Instant::now() < deadline, "nothing arrived on {url}");
        }
    }

    async fn queue_arn(&self, url: &str) -> String {
        let out = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("GetQueueAttributes");
        out.attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .cloned()
            })
            .expect("a queue ARN")
    }
}

fn record(condition: &str) -> Value {
    json!({
        "version": "1.0",
        "timestamp": "2019-11-14T18:16:05.568Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
            "functionArn": FUNCTION_ARN,
            "condition": condition,
            "approximateInvokeCount": 3
        },
        "requestPayload": {"ORDER_IDS": ["9e07af03-ce31-4ff3-xmpl-36dce652cb4f"]},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "Process exited before completing request"}
    })
}

fn async_record(success: bool) -> Delivery {
    Delivery::Record {
        record: record(if success {
            "Success"
        } else {
            "RetriesExhausted"
        }),
        success,
        function_arn: FUNCTION_ARN.into(),
        request_id: "e4b46cbf-b738-xmpl-8880-a18cdf61200e".into(),
        origin: Origin::Async,
    }
}

fn dead_letter() -> Delivery {
    Delivery::DeadLetter {
        payload: Bytes::from_static(br#"{"key": "value", "n": [1, 2]}"#),
        request_id: "0f1e2d3c-aaaa-bbbb-cccc-123456789012".into(),
        error_code: "200".into(),
        error_message: format!("Unhandled: {}", "x".repeat(2000)),
    }
}

fn target(arn: &str) -> Target {
    Target::parse(arn).unwrap_or_else(|| panic!("{arn} parses"))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_every_kind_to_every_target_as_lambda_does() {
    let Some(moto) = moto() else { return };
    let aws = aws(&moto.url).await;
    let d = Destinations::with_endpoint_and_keys(REGION, &moto.url, "test", "test");

    // The targets, and queues that read what SNS and EventBridge pass on.
    let records = aws.queue("records").await;
    let from_sns = aws.queue("from-sns").await;
    let from_bus = aws.queue("from-bus").await;
    let topic = aws
        .sns
        .create_topic()
        .name("results")
        .send()
        .await
        .expect("CreateTopic");
    let topic_arn = topic.topic_arn.expect("a topic ARN");
    aws.sns
        .subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(aws.queue_arn(&from_sns).await)
        .send()
        .await
        .expect("Subscribe");
    let bus = aws
        .events
        .create_event_bus()
        .name("lambda-results")
        .send()
        .await
        .expect("CreateEventBus");
    let bus_arn = bus.event_bus_arn.expect("a bus ARN");
    aws.events
        .put_rule()
        .name("all-results")
        .event_bus_name("lambda-results")
        .event_pattern(r#"{"source": ["lambda"]}"#)
        .send()
        .await
        .expect("PutRule");
    aws.events
        .put_targets()
        .rule("all-results")
        .event_bus_name("lambda-results")
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("q")
                .arn(aws.queue_arn(&from_bus).await)
                .build()
                .expect("a target"),
        )
        .send()
        .await
        .expect("PutTargets");
    aws.s3
        .create_bucket()
        .bucket("failures")
        .send()
        .await
        .expect("CreateBucket");

    let queue_target = target(&format!("arn:aws:sqs:{REGION}:{ACCOUNT}:records"));
    let topic_target = target(&topic_arn);
    let bus_target = target(&bus_arn);
    let bucket_target = target("arn:aws:s3:::failures");

    // SQS: the record is the message body.
    for success in [true, false] {
        d.send(&queue_target, &async_record(success))
            .await
            .expect("record to SQS");
        let (body, attrs) = aws.receive(&records).await;
        let Delivery::Record { record, .. } = async_record(success) else {
            unreachable!()
        };
        assert_eq!(json(&body), record);
        assert!(
            attrs.is_empty(),
            "a record carries no attributes: {attrs:?}"
        );
    }

    // SNS: the record is the Message.
    d.send(&topic_target, &async_record(false))
        .await
        .expect("record to SNS");
    let (envelope, _) = aws.receive(&from_sns).await;
    let envelope = json(&envelope);
    assert_eq!(envelope["Type"], "Notification");
    assert_eq!(envelope["TopicArn"], topic_arn.as_str());
    assert_eq!(
        json(envelope["Message"].as_str().expect("a Message")),
        record("RetriesExhausted")
    );

    // EventBridge: the record is the detail, with Lambda's source, detail-type and resources.
    for (success, detail_type) in [
        (true, "Lambda Function Invocation Result - Success"),
        (false, "Lambda Function Invocation Result - Failure"),
    ] {
        d.send(&bus_target, &async_record(success))
            .await
            .expect("record to EventBridge");
        let (event, _) = aws.receive(&from_bus).await;
        let event = json(&event);
        assert_eq!(event["source"], "lambda");
        assert_eq!(event["detail-type"], detail_type);
        assert_eq!(event["resources"], json!([bus_arn, FUNCTION_ARN]));
        // moto leaves `account` out of the events it passes to SQS.
        assert_eq!(event["version"], "0");
        assert!(
            event["id"].is_string() && event["time"].is_string(),
            "{event}"
        );
        assert_eq!(event["region"], REGION);
        assert_eq!(
            event["detail"],
            record(if success {
                "Success"
            } else {
                "RetriesExhausted"
            })
        );
    }

    // S3: an on-failure record is a JSON object under Lambda's key.
    d.send(&bucket_target, &async_record(false))
        .await
        .expect("record to S3");
    let listed = aws
        .s3
        .list_objects_v2()
        .bucket("failures")
        .prefix("aws/lambda/async/my-function/")
        .send()
        .await
        .expect("ListObjectsV2");
    let keys: Vec<String> = listed
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_owned))
        .collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let key = &keys[0];
    let rest = key
        .strip_prefix("aws/lambda/async/my-function/")
        .expect("the prefix");
    // YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>
    let (date, name) = rest.split_at(11);
    assert!(date.len() == 11 && date.ends_with('/'), "{key}");
    let ymd = date.trim_end_matches('/').replace('/', "-");
    assert!(name.starts_with(&format!("{ymd}T")), "{key}");
    let (stamp, unique) = name.split_at(19);
    assert_eq!(stamp.as_bytes()[13], b'.', "{key}");
    assert_eq!(stamp.as_bytes()[16], b'.', "{key}");
    assert!(
        uuid::Uuid::parse_str(unique.trim_start_matches('-')).is_ok(),
        "{key}"
    );
    let object = aws
        .s3
        .get_object()
        .bucket("failures")
        .key(key)
        .send()
        .await
        .expect("GetObject");
    assert_eq!(object.content_type(), Some("application/json"));
    let bytes = object
        .body
        .collect()
        .await
        .expect("the object")
        .into_bytes();
    assert_eq!(
        json(std::str::from_utf8(&bytes).expect("UTF-8")),
        record("RetriesExhausted")
    );

    // S3 takes no on-success record.
    let e = d
        .send(&bucket_target, &async_record(true))
        .await
        .expect_err("on-success to S3");
    assert!(e.permanent, "{e}");

    // An event source mapping's record: its whole event (`payload`) only in S3, under the mapping's key.
    let mut esm = record("RetryAttemptsExhausted");
    esm["KinesisBatchInfo"] = json!({"shardId": "shardId-000000000001", "batchSize": 1});
    esm["payload"] = json!("{\"Records\": []}");
    let esm_delivery = Delivery::Record {
        record: esm.clone(),
        success: false,
        function_arn: FUNCTION_ARN.into(),
        request_id: "r".into(),
        origin: Origin::EventSourceMapping {
            uuid: "a1b2c3d4-5678-90ab-cdef-11111EXAMPLE".into(),
            shard: "shardId-000000000001".into(),
        },
    };
    d.send(&bucket_target, &esm_delivery)
        .await
        .expect("ESM record to S3");
    let listed = aws
        .s3
        .list_objects_v2()
        .bucket("failures")
        .prefix("aws/lambda/a1b2c3d4-5678-90ab-cdef-11111EXAMPLE/shardId-000000000001/")
        .send()
        .await
        .expect("ListObjectsV2");
    let key = listed
        .contents()
        .first()
        .and_then(|o| o.key())
        .expect("the ESM object")
        .to_owned();
    let object = aws
        .s3
        .get_object()
        .bucket("failures")
        .key(&key)
        .send()
        .await
        .expect("GetObject");
    let bytes = object
        .body
        .collect()
        .await
        .expect("the object")
        .into_bytes();
    assert_eq!(json(std::str::from_utf8(&bytes).expect("UTF-8")), esm);
    d.send(&queue_target, &esm_delivery)
        .await
        .expect("ESM record to SQS");
    let (body, _) = aws.receive(&records).await;
    let mut without_payload = esm.clone();
    without_payload.as_object_mut().map(|o| o.remove("payload"));
    assert_eq!(json(&body), without_payload);

    // Dead letters: the event as it was, with Lambda's attributes.
    let expected_attrs = |message: &str| {
        vec![
            (
                "ErrorCode".to_owned(),
                "Number".to_owned(),
                "200".to_owned(),
            ),
            (
                "ErrorMessage".to_owned(),
                "String".to_owned(),
                message.to_owned(),
            ),
            (
                "RequestID".to_owned(),
                "String".to_owned(),
                "0f1e2d3c-aaaa-bbbb-cccc-123456789012".to_owned(),
            ),
        ]
    };
    let first_kb = format!("Unhandled: {}", "x".repeat(1024 - "Unhandled: ".len()));
    d.send(&queue_target, &dead_letter())
        .await
        .expect("dead letter to SQS");
    let (body, attrs) = aws.receive(&records).await;
    assert_eq!(body, r#"{"key": "value", "n": [1, 2]}"#);
    assert_eq!(attrs, expected_attrs(&first_kb));

    d.send(&topic_target, &dead_letter())
        .await
        .expect("dead letter to SNS");
    let (envelope, _) = aws.receive(&from_sns).await;
    let envelope = json(&envelope);
    assert_eq!(envelope["Message"], r#"{"key": "value", "n": [1, 2]}"#);
    assert_eq!(
        envelope["MessageAttributes"],
        json!({
            "RequestID": {"Type": "String", "Value": "0f1e2d3c-aaaa-bbbb-cccc-123456789012"},
            "ErrorCode": {"Type": "Number", "Value": "200"},
            "ErrorMessage": {"Type": "String", "Value": first_kb},
        })
    );

    // A dead-letter queue is a queue or a topic.
    for t in [&bus_target, &bucket_target] {
        let e = d
            .send(t, &dead_letter())
            .await
            .expect_err("a dead letter to an event bus or a bucket");
        assert!(e.permanent, "{e}");
    }
}

fn assert_permanent(r: Result<(), SendError>, code: &str) {
    let e = r.expect_err("a failure");
    assert!(e.permanent, "{e}");
    assert!(e.message.contains(code), "{code} in {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_invalid_targets_are_permanent() {
    let Some(moto) = moto() else { return };
    let aws = aws(&moto.url).await;
    let d = Destinations::with_endpoint_and_keys(REGION, &moto.url, "test", "test");

    let queue = target(&format!("arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-queue"));
    assert_permanent(d.send(&queue, &async_record(false)).await, "GetQueueUrl");
    assert_permanent(d.send(&queue, &dead_letter()).await, "no-such-queue");

    let topic = target(&format!("arn:aws:sns:{REGION}:{ACCOUNT}:no-such-topic"));
    assert_permanent(d.send(&topic, &async_record(false)).await, "NotFound");
    assert_permanent(d.send(&topic, &dead_letter()).await, "NotFound");

    let bucket = target("arn:aws:s3:::no-such-bucket");
    assert_permanent(d.send(&bucket, &async_record(false)).await, "NoSuchBucket");

    let bus = target(&format!(
        "arn:aws:events:{REGION}:{ACCOUNT}:event-bus/no-such-bus"
    ));
    assert_permanent(
        d.send(&bus, &async_record(false)).await,
        "ResourceNotFoundException",
    );

    // Lambda takes standard queues and topics only.
    aws.queue("jobs.fifo").await;
    let fifo = target(&format!("arn:aws:sqs:{REGION}:{ACCOUNT}:jobs.fifo"));
    assert_permanent(d.send(&fifo, &async_record(true)).await, "FIFO");
    let fifo_topic = target(&format!("arn:aws:sns:{REGION}:{ACCOUNT}:jobs.fifo"));
    assert_permanent(d.send(&fifo_topic, &dead_letter()).await, "FIFO");

    // A queue deleted after its URL was kept: the next delivery finds out, and the one after asks again.
    let url = aws.queue("short-lived").await;
    let short = target(&format!("arn:aws:sqs:{REGION}:{ACCOUNT}:short-lived"));
    d.send(&short, &async_record(true))
        .await
        .expect("to the queue");
    aws.sqs
        .delete_queue()
        .queue_url(&url)
        .send()
        .await
        .expect("DeleteQueue");
    assert_permanent(d.send(&short, &async_record(true)).await, "SendMessage");
    assert_permanent(d.send(&short, &async_record(true)).await, "GetQueueUrl");
    let url = aws.queue("short-lived").await;
    d.send(&short, &async_record(true))
        .await
        .expect("to the queue made again");
    aws.receive(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_transient() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let d = Destinations::with_endpoint_and_keys(
        REGION,
        &format!("http://127.0.0.1:{port}"),
        "test",
        "test",
    );
    for arn in [
        format!("arn:aws:sqs:{REGION}:{ACCOUNT}:q"),
        format!("arn:aws:sns:{REGION}:{ACCOUNT}:t"),
        format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"),
        "arn:aws:s3:::bucket".to_owned(),
    ] {
        let e = d
            .send(&target(&arn), &async_record(false))
            .await
            .expect_err("no server");
        assert!(!e.permanent, "{e}");
        assert!(e.message.contains(&target(&arn).to_string()), "{e}");
    }
}
