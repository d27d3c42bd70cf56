//! Where Lambda's service answers differently from botocore's model, declared beside the generated table
//! (`model.rs`), each with why. A change names the model's value too: the drift test
//! (tests/serve/test_serve_validation.py) fails when botocore's model no longer says it, so an override is
//! reviewed whenever the model moves.

/// One difference between the model and Lambda.
#[derive(Debug)]
pub(crate) struct Override {
    /// The model's shape it applies to (every member of that shape).
    pub shape: &'static str,
    /// What Lambda does instead.
    pub change: Change,
    /// Why: where the difference was seen.
    pub why: &'static str,
}

/// What an override changes.
#[derive(Debug)]
pub(crate) enum Change {
    /// A different maximum (of a value, or of a string's or list's length).
    Max { model: i64, lambda: i64 },
    /// The enum's values in the order Lambda's message lists them.
    EnumOrder(&'static [&'static str]),
    /// The pattern as Lambda's message quotes it (the same language, written differently).
    PatternText {
        model: &'static str,
        lambda: &'static str,
    },
    /// A list's or map's members may be null: Lambda's bracketed member constraints do not end with
    /// `Member must not be null`.
    MembersNullable,
    /// Checked elsewhere, with Lambda's own message for it: the generic check skips the shape.
    Deferred,
}

/// Every override.
pub(crate) static OVERRIDES: &[Override] = &[
    Override {
        shape: "Timeout",
        change: Change::Max { model: 5400, lambda: 900 },
        why: "Lambda functions run for at most 900 s (docs: configuration-timeout); the model's 5,400 s is for \
              Lambda Managed Instances' asynchronous invokes, which lambkin does not have.",
    },
    Override {
        shape: "MemorySize",
        change: Change::Max { model: 32768, lambda: 10240 },
        why: "A function has at most 10,240 MB (docs: gettingstarted-limits); the model's 32,768 is for Lambda \
              Managed Instances.",
    },
    Override {
        shape: "EphemeralStorageSize",
        change: Change::Max { model: 32768, lambda: 10240 },
        why: "/tmp is at most 10,240 MB; the model's 32,768 is for functions with an AcceleratorConfig, which \
              lambkin does not have.",
    },
    Override {
        shape: "InvokeMode",
        change: Change::EnumOrder(&["RESPONSE_STREAM", "BUFFERED"]),
        why: "Lambda's message lists [RESPONSE_STREAM, BUFFERED] (LocalStack snapshot \
              test_lambda_url_invalid_invoke_mode, recorded against AWS).",
    },
    Override {
        shape: "RecursiveLoop",
        change: Change::EnumOrder(&["Terminate", "Allow"]),
        why: "Lambda's message lists [Terminate, Allow] (LocalStack snapshot \
              test_put_function_recursion_config_invalid_value).",
    },
    Override {
        shape: "EventSourcePosition",
        change: Change::EnumOrder(&["LATEST", "AT_TIMESTAMP", "TRIM_HORIZON"]),
        why: "Lambda's message lists [LATEST, AT_TIMESTAMP, TRIM_HORIZON] (LocalStack snapshot \
              test_create_event_source_validation).",
    },
    Override {
        shape: "LayerVersionArn",
        change: Change::PatternText {
            model: "((arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+))",
            lambda: "(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)",
        },
        why: "Lambda quotes the layer version ARN pattern without the model's outer parentheses (LocalStack \
              snapshots test_layer_function_exceptions and test_layer_exceptions, 'layers' and 'arn').",
    },
    Override {
        shape: "SubnetIds",
        change: Change::MembersNullable,
        why: "Lambda's 'vpcConfig.subnetIds' message has no 'Member must not be null' (LocalStack snapshot \
              test_invalid_vpc_config_subnet).",
    },
    Override {
        shape: "SecurityGroupIds",
        change: Change::MembersNullable,
        why: "Lambda's 'vpcConfig.securityGroupIds' message has no 'Member must not be null' (LocalStack \
              snapshot test_invalid_vpc_config_security_group).",
    },
    Override {
        shape: "Runtime",
        change: Change::Deferred,
        why: "Runtimes are checked by the runtime catalog (crate::runtimes), which answers Lambda's \
              InvalidParameterValueException with the runtimes Lambda accepts today, not the model's list.",
    },
];

/// The overrides of a shape.
pub(crate) fn of(shape: &str) -> impl Iterator<Item = &'static Change> + '_ {
    OVERRIDES
        .iter()
        .filter(move |o| o.shape == shape)
        .map(|o| &o.change)
}
