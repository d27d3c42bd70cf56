//! Destination ARNs: which service a record or dead letter goes to, and where in it.

use std::fmt;

/// Where a record goes, parsed from an ARN: Lambda's destination/dead-letter services other than Lambda itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// An SQS queue, `arn:aws:sqs:<region>:<account>:<queue>`.
    Sqs {
        /// The queue's region.
        region: String,
        /// The account that owns the queue (`QueueOwnerAWSAccountId`).
        account: String,
        /// The queue's name.
        queue: String,
    },
    /// An SNS topic, `arn:aws:sns:<region>:<account>:<topic>`.
    Sns {
        /// The topic's region.
        region: String,
        /// The account that owns the topic.
        account: String,
        /// The topic's full ARN (`Publish` takes the ARN).
        topic: String,
    },
    /// An EventBridge event bus, `arn:aws:events:<region>:<account>:event-bus/<name>`.
    EventBus {
        /// The bus's region.
        region: String,
        /// The account that owns the bus.
        account: String,
        /// The bus's full ARN (`EventBusName` takes a name or an ARN; the ARN also reaches other accounts).
        bus: String,
    },
    /// An S3 bucket, `arn:aws:s3:::<bucket>` (on-failure records only). A bucket ARN names no region: the
    /// function's region is used.
    S3 {
        /// The bucket's name.
        bucket: String,
    },
}

impl Target {
    /// The target an ARN names, or `None` when it is no SQS queue, SNS topic, event bus or S3 bucket ARN.
    pub fn parse(arn: &str) -> Option<Target> {
        let mut parts = arn.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return None;
        };
        if !partition.starts_with("aws") {
            return None;
        }
        let regional = || is_region(region) && is_account(account);
        match service {
            "sqs" if regional() && is_queue_name(resource) => Some(Target::Sqs {
                region: region.to_owned(),
                account: account.to_owned(),
                queue: resource.to_owned(),
            }),
            "sns" if regional() && is_topic_name(resource) => Some(Target::Sns {
                region: region.to_owned(),
                account: account.to_owned(),
                topic: arn.to_owned(),
            }),
            "events" if regional() => {
                let name = resource.strip_prefix("event-bus/")?;
                is_bus_name(name).then(|| Target::EventBus {
                    region: region.to_owned(),
                    account: account.to_owned(),
                    bus: arn.to_owned(),
                })
            }
            "s3" if region.is_empty() && account.is_empty() && is_bucket_name(resource) => {
                Some(Target::S3 {
                    bucket: resource.to_owned(),
                })
            }
            _ => None,
        }
    }

    /// The service's name as it appears in ARNs: `sqs`, `sns`, `events` or `s3`.
    pub fn service(&self) -> &'static str {
        match self {
            Target::Sqs { .. } => "sqs",
            Target::Sns { .. } => "sns",
            Target::EventBus { .. } => "events",
            Target::S3 { .. } => "s3",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sqs {
                region,
                account,
                queue,
            } => write!(f, "SQS queue {queue} (account {account}, {region})"),
            Target::Sns { topic, .. } => write!(f, "SNS topic {topic}"),
            Target::EventBus { bus, .. } => write!(f, "EventBridge event bus {bus}"),
            Target::S3 { bucket } => write!(f, "S3 bucket {bucket}"),
        }
    }
}

/// `us-east-1`, `us-gov-west-1`, `cn-north-1`: letters and digits between dashes, ending in a digit.
fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').count() >= 3
        && s.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && s.ends_with(|c: char| c.is_ascii_digit())
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// SQS: up to 80 of `A-Za-z0-9-_`, a FIFO queue's name ending in `.fifo`.
fn is_queue_name(s: &str) -> bool {
    let base = s.strip_suffix(".fifo").unwrap_or(s);
    !base.is_empty()
        && s.len() <= 80
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// SNS: up to 256 of `A-Za-z0-9-_`, a FIFO topic's name ending in `.fifo`.
fn is_topic_name(s: &str) -> bool {
    let base = s.strip_suffix(".fifo").unwrap_or(s);
    !base.is_empty()
        && s.len() <= 256
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// EventBridge: up to 256 of `A-Za-z0-9._-` (a partner bus's name also has `/`).
fn is_bus_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
}

/// S3: 3 to 63 of `a-z0-9.-`, starting and ending with a letter or digit.
fn is_bucket_name(s: &str) -> bool {
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edge(s.as_bytes().first())
        && edge(s.as_bytes().last())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_service() {
        assert_eq!(
            Target::parse("arn:aws:sqs:us-east-2:123456789012:dlq"),
            Some(Target::Sqs {
                region: "us-east-2".into(),
                account: "123456789012".into(),
                queue: "dlq".into()
            })
        );
        assert_eq!(
            Target::parse("arn:aws:sns:eu-west-1:123456789012:my-topic"),
            Some(Target::Sns {
                region: "eu-west-1".into(),
                account: "123456789012".into(),
                topic: "arn:aws:sns:eu-west-1:123456789012:my-topic".into()
            })
        );
        assert_eq!(
            Target::parse("arn:aws:events:us-east-1:123456789012:event-bus/default"),
            Some(Target::EventBus {
                region: "us-east-1".into(),
                account: "123456789012".into(),
                bus: "arn:aws:events:us-east-1:123456789012:event-bus/default".into()
            })
        );
        assert_eq!(
            Target::parse("arn:aws:s3:::my-failures.bucket"),
            Some(Target::S3 {
                bucket: "my-failures.bucket".into()
            })
        );
    }

    #[test]
    fn other_partitions() {
        let t = Target::parse("arn:aws-cn:sqs:cn-north-1:123456789012:q").map(|t| t.service());
        assert_eq!(t, Some("sqs"));
        let t = Target::parse("arn:aws-us-gov:sns:us-gov-west-1:123456789012:t");
        assert_eq!(t.map(|t| t.service()), Some("sns"));
    }

    #[test]
    fn services() {
        for (arn, service) in [
            ("arn:aws:sqs:us-east-1:123456789012:q", "sqs"),
            ("arn:aws:sns:us-east-1:123456789012:t", "sns"),
            (
                "arn:aws:events:us-east-1:123456789012:event-bus/b",
                "events",
            ),
            ("arn:aws:s3:::bkt", "s3"),
        ] {
            assert_eq!(
                Target::parse(arn).map(|t| t.service()),
                Some(service),
                "{arn}"
            );
        }
    }

    #[test]
    fn keeps_fifo_names_for_the_sender_to_refuse() {
        let t = Target::parse("arn:aws:sqs:us-east-1:123456789012:q.fifo");
        assert!(matches!(t, Some(Target::Sqs { queue, .. }) if queue == "q.fifo"));
    }

    #[test]
    fn refuses_what_is_no_destination() {
        for arn in [
            "",
            "sqs",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "arn:aws:sqs:us-east-1:123456789012:",
            "arn:aws:sqs:us-east-1:12345:q",
            "arn:aws:sqs::123456789012:q",
            "arn:aws:sqs:us-east-1:123456789012:q/x",
            "arn:aws:sqs:us-east-1:123456789012:q:x",
            "arn:aws:sqs:useast1:123456789012:q",
            "arn:aws:sns:us-east-1:123456789012:t:sub-id",
            "arn:aws:events:us-east-1:123456789012:rule/r",
            "arn:aws:events:us-east-1:123456789012:event-bus/",
            "arn:aws:s3:::",
            "arn:aws:s3:::Upper",
            "arn:aws:s3:::bucket/key",
            "arn:aws:s3:us-east-1:123456789012:bucket",
            "arn:other:sqs:us-east-1:123456789012:q",
            "xrn:aws:sqs:us-east-1:123456789012:q",
        ] {
            assert_eq!(Target::parse(arn), None, "{arn}");
        }
    }

    #[test]
    fn display_names_the_target() {
        let t = Target::parse("arn:aws:sqs:us-east-1:123456789012:q");
        assert_eq!(
            t.map(|t| t.to_string()).as_deref(),
            Some("SQS queue q (account 123456789012, us-east-1)")
        );
    }
}
