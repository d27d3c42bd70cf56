//! Parameters, conditions, mappings, Globals and intrinsic functions together; layers; function settings; names.

use std::collections::BTreeMap;

use super::*;
use std::path::PathBuf;

const FEATURES: &str = r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  MemoryMb:
    Type: Number
    Default: 256
  AllowedOrigins:
    Type: CommaDelimitedList
    Default: "https://a.example,https://b.example"
Mappings:
  StageSettings:
    dev:
      LogLevel: DEBUG
      Retries: 2
    prod:
      LogLevel: WARN
      Retries: 0
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    MemorySize: !Ref MemoryMb
    Tracing: Active
    Environment:
      Variables:
        STAGE: !Ref Stage
        LOG_LEVEL: !FindInMap [StageSettings, !Ref Stage, LogLevel]
    Tags:
      team: payments
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-orders-${Stage}"
      CodeUri: src/orders
      Description: !Join [" ", [Orders, for, !Ref Stage]]
      Timeout: !If [IsProd, 30, 10]
      ReservedConcurrentExecutions: !If [IsProd, 50, !Ref AWS::NoValue]
      Environment:
        Variables:
          NOTIFY_ARN: !GetAtt NotifyFunction.Arn
          NOTIFY_NAME: !Ref NotifyFunction
          FIRST_ORIGIN: !Select [0, !Ref AllowedOrigins]
          HOST: !Select [2, !Split ["/", !Select [1, !Ref AllowedOrigins]]]
          DEBUG_ONLY: !If [IsDev, "yes", !Ref AWS::NoValue]
          SECRET_B64: !Base64 opensesame
          TABLE: !Sub
            - "${Prefix}-${AWS::Region}-${!NotAVar}"
            - Prefix: !Ref Stage
      Tags:
        service: orders
      EventInvokeConfig:
        MaximumRetryAttempts: !FindInMap [StageSettings, !Ref Stage, Retries]
        MaximumEventAgeInSeconds: 600
        DestinationConfig:
          OnFailure:
            Type: Lambda
            Destination: !GetAtt NotifyFunction.Arn
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref OrdersTable
  NotifyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: s3://artifacts-bucket/notify/v3.zip
      Role: !GetAtt NotifyRole.Arn
      Tracing: PassThrough
  ProdOnlyFunction:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      CodeUri: src/prod
  NotifyRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub "${Stage}-notify"
      Path: /service/
      AssumeRolePolicyDocument: {}
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
"#;

#[test]
fn globals_parameters_conditions_and_intrinsics() {
    let p = plan_of(FEATURES);
    assert_eq!(
        p.functions
            .iter()
            .map(|f| f.logical_id.as_str())
            .collect::<Vec<_>>(),
        ["NotifyFunction", "OrdersFunction"],
        "ProdOnlyFunction's condition is false"
    );
    let notify = function(&p, "NotifyFunction");
    let orders = function(&p, "OrdersFunction");
    assert_eq!(orders.name, "sam-app-orders-dev");
    assert_eq!(
        orders.code,
        Code::Local(PathBuf::from("/home/dev/app/src/orders"))
    );
    assert_eq!(orders.runtime.as_deref(), Some("python3.12"));
    assert_eq!(orders.handler.as_deref(), Some("app.handler"));
    assert_eq!(orders.memory_size, Some(256));
    assert_eq!(orders.timeout, Some(10));
    assert_eq!(orders.reserved_concurrent_executions, None);
    assert_eq!(orders.description.as_deref(), Some("Orders for dev"));
    assert_eq!(orders.tracing.as_deref(), Some("Active"));
    let env: BTreeMap<&str, &str> = orders
        .environment
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let expected: BTreeMap<&str, &str> = [
        ("STAGE", "dev"),
        ("LOG_LEVEL", "DEBUG"),
        ("NOTIFY_ARN", notify.arn.as_str()),
        ("NOTIFY_NAME", notify.name.as_str()),
        ("FIRST_ORIGIN", "https://a.example"),
        ("HOST", "b.example"),
        ("DEBUG_ONLY", "yes"),
        ("SECRET_B64", "b3BlbnNlc2FtZQ=="),
        ("TABLE", "dev-eu-west-1-${NotAVar}"),
    ]
    .into_iter()
    .collect();
    assert_eq!(env, expected);
    assert_eq!(
        orders.tags,
        [
            ("lambda:createdBy", "SAM"),
            ("service", "orders"),
            ("team", "payments")
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect::<BTreeMap<_, _>>()
    );
    assert_eq!(
        orders.event_invoke_config,
        Some(EventInvokeConfig {
            maximum_event_age_in_seconds: Some(600),
            maximum_retry_attempts: Some(2),
            on_success: None,
            on_failure: Some(notify.arn.clone()),
        })
    );
    assert_eq!(
        notify.code,
        Code::S3 {
            bucket: "artifacts-bucket".into(),
            key: "notify/v3.zip".into(),
            version: None
        }
    );
    assert_eq!(
        notify.role,
        "arn:aws:iam::111122223333:role/service/dev-notify"
    );
    assert_eq!(notify.tracing.as_deref(), Some("PassThrough"));
    assert_eq!(notify.environment.len(), 2, "Globals' variables only");

    let types: Vec<(&str, &str)> = p
        .unsupported
        .iter()
        .map(|u| (u.logical_id.as_str(), u.resource_type.as_str()))
        .collect();
    assert_eq!(
        types,
        [
            ("NotifyRole", "AWS::IAM::Role"),
            ("OrdersTable", "AWS::DynamoDB::Table")
        ]
    );

    // The same template for prod, with overrides.
    let mut o = options("sam-app");
    o.parameters = parse_overrides("Stage=prod MemoryMb=1024")
        .expect("overrides")
        .into_iter()
        .collect();
    let p = plan(FEATURES, &o).expect("prod plan");
    assert_eq!(p.functions.len(), 3);
    let orders = function(&p, "OrdersFunction");
    assert_eq!(orders.name, "sam-app-orders-prod");
    assert_eq!(orders.timeout, Some(30));
    assert_eq!(orders.memory_size, Some(1024));
    assert_eq!(orders.reserved_concurrent_executions, Some(50));
    assert!(!orders.environment.contains_key("DEBUG_ONLY"));
    assert_eq!(orders.environment["LOG_LEVEL"], "WARN");
    assert_eq!(
        orders
            .event_invoke_config
            .as_ref()
            .and_then(|c| c.maximum_retry_attempts),
        Some(0)
    );

    let mut bad = options("sam-app");
    bad.parameters.insert("Stage".into(), "qa".into());
    let e = plan(FEATURES, &bad).expect_err("not allowed").to_string();
    assert_eq!(
        e,
        "Parameters.Stage: \"qa\" is not one of the AllowedValues: dev, prod"
    );
}

#[test]
fn layers_by_ref_and_arn() {
    let p = plan_of(
        r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Handler: app.handler
    Layers:
      - arn:aws:lambda:eu-west-1:111122223333:layer:shared-utils:7
Resources:
  DepsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      LayerName: !Sub "${AWS::StackName}-deps"
      ContentUri: layers/deps/
      CompatibleRuntimes: [python3.12, python3.13]
      CompatibleArchitectures: [x86_64]
      LicenseInfo: MIT
      Description: third-party packages
      RetentionPolicy: Retain
    Metadata:
      BuildMethod: python3.12
  ToolsLayer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content:
        S3Bucket: layers-bucket
        S3Key: tools.zip
        S3ObjectVersion: "3"
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Layers:
        - !Ref DepsLayer
        - !GetAtt ToolsLayer.LayerVersionArn
        - !Sub "arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
"#,
    );
    assert_eq!(
        function(&p, "ApiFunction").layers,
        [
            LayerRef::Arn("arn:aws:lambda:eu-west-1:111122223333:layer:shared-utils:7".into()),
            LayerRef::Template("DepsLayer".into()),
            LayerRef::Template("ToolsLayer".into()),
            LayerRef::Arn(
                "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
                    .into()
            ),
        ]
    );
    assert_eq!(
        p.layers,
        [
            Layer {
                logical_id: "DepsLayer".into(),
                resource_type: "AWS::Serverless::LayerVersion".into(),
                name: "sam-app-deps".into(),
                content: Code::Local(PathBuf::from("/home/dev/app/layers/deps")),
                compatible_runtimes: vec!["python3.12".into(), "python3.13".into()],
                compatible_architectures: vec!["x86_64".into()],
                license_info: Some("MIT".into()),
                description: Some("third-party packages".into()),
            },
            Layer {
                logical_id: "ToolsLayer".into(),
                resource_type: "AWS::Lambda::LayerVersion".into(),
                name: "ToolsLayer".into(),
                content: Code::S3 {
                    bucket: "layers-bucket".into(),
                    key: "tools.zip".into(),
                    version: Some("3".into())
                },
                compatible_runtimes: vec![],
                compatible_architectures: vec![],
                license_info: None,
                description: None,
            },
        ]
    );

    // A layer's ARN is not known before it is published: only Layers may refer to it.
    let e = plan_err(
        r#"
Resources:
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: deps/}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: python3.12
      Handler: app.handler
      Environment:
        Variables:
          LAYER: !Ref Deps
"#,
    );
    assert!(
        e.starts_with("Resources.Fn.Properties.Environment.Variables.LAYER.Ref: layer Deps's version ARN is known only once it is published"),
        "{e}"
    );
    let e = plan_err(
        r#"
Resources:
  Deps:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: deps/}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: python3.12
      Handler: app.handler
      Layers: [!Sub "${Deps}-copy"]
"#,
    );
    assert!(e.contains("must be given whole"), "{e}");
}

#[test]
fn serverless_function_settings() {
    let p = plan_of(
        r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: |
        exports.handler = async () => "ok";
      Runtime: nodejs22.x
      Handler: index.handler
      AutoPublishAlias: live
      ProvisionedConcurrencyConfig:
        ProvisionedConcurrentExecutions: 2
      FunctionUrlConfig:
        AuthType: NONE
        InvokeMode: RESPONSE_STREAM
        Cors:
          AllowOrigins: ["*"]
          AllowMethods: [GET, POST]
      DeadLetterQueue:
        Type: SQS
        TargetArn: arn:aws:sqs:eu-west-1:111122223333:worker-dlq
      DurableConfig:
        ExecutionTimeout: 3600
        RetentionPeriodInDays: 7
      EphemeralStorage:
        Size: 2048
      VpcConfig:
        SubnetIds: [!Ref Subnet]
  Container:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: registry.example/app:2
      ImageConfig:
        EntryPoint: [/lambda-entrypoint.sh]
        WorkingDirectory: /var/task
"#,
    );
    let w = function(&p, "Worker");
    assert_eq!(
        w.code,
        Code::Inline("exports.handler = async () => \"ok\";\n".into())
    );
    assert_eq!(w.auto_publish_alias.as_deref(), Some("live"));
    assert_eq!(w.provisioned_concurrency, Some(2));
    assert_eq!(
        w.function_url_config,
        Some(FunctionUrlConfig {
            auth_type: "NONE".into(),
            invoke_mode: Some("RESPONSE_STREAM".into()),
            cors: Some(Cors {
                allow_origins: vec!["*".into()],
                allow_methods: vec!["GET".into(), "POST".into()],
                ..Cors::default()
            }),
        })
    );
    assert_eq!(
        w.dead_letter_target_arn.as_deref(),
        Some("arn:aws:sqs:eu-west-1:111122223333:worker-dlq")
    );
    assert_eq!(
        w.durable_config,
        Some(DurableConfig {
            execution_timeout: Some(3600),
            retention_period_in_days: Some(7)
        })
    );
    assert_eq!(w.ephemeral_storage, Some(2048));
    assert_eq!(
        p.warnings,
        ["Worker: VpcConfig is not carried into the plan"]
    );
    let c = function(&p, "Container");
    assert_eq!(c.code, Code::Image("registry.example/app:2".into()));
    assert_eq!(
        c.image_config,
        Some(ImageConfig {
            entry_point: Some(vec!["/lambda-entrypoint.sh".into()]),
            command: None,
            working_directory: Some("/var/task".into()),
        })
    );

    let json = serde_json::to_value(&p).expect("a plan serializes");
    assert_eq!(
        json["Functions"][1]["FunctionUrlConfig"]["InvokeMode"],
        "RESPONSE_STREAM"
    );
    assert_eq!(
        json["Functions"][0]["Code"]["Image"],
        "registry.example/app:2"
    );
}

#[test]
fn references_to_resources_lambkin_does_not_create() {
    // Stand-ins of the shape CloudFormation answers, so the functions that mention them still deploy.
    let p = plan_of(
        r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Jobs:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: python3.12
      Handler: app.handler
      Environment:
        Variables:
          TABLE: !Ref Table
          STREAM: !GetAtt Table.StreamArn
          QUEUE: !Ref Jobs
          QUEUE_ARN: !GetAtt Jobs.Arn
"#,
    );
    let env = &function(&p, "Fn").environment;
    let table = &env["TABLE"];
    assert!(table.starts_with("sam-app-Table-"), "{table}");
    assert_eq!(
        env["STREAM"],
        format!(
            "arn:aws:dynamodb:eu-west-1:111122223333:table/{table}/stream/1970-01-01T00:00:00.000"
        )
    );
    assert!(
        env["QUEUE"].starts_with("https://sqs.eu-west-1.amazonaws.com/111122223333/sam-app-Jobs-")
    );
    assert!(env["QUEUE_ARN"].starts_with("arn:aws:sqs:eu-west-1:111122223333:sam-app-Jobs-"));
    assert_eq!(p.unsupported.len(), 2);
    // SAM's own role for a function (`<Function>Role`) and its implicit API are known by name.
    let p = plan_of(
        r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: python3.12
      Handler: app.handler
      Environment:
        Variables:
          ROLE: !GetAtt FnRole.Arn
"#,
    );
    assert_eq!(
        function(&p, "Fn").environment["ROLE"],
        "arn:aws:iam::111122223333:role/sam-app-FnRole"
    );
    // An API's id is made when it is created: its logical id stands for it (`serve --api-listen` uses it).
    let p = plan_of(
        r#"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: python3.12
      Handler: app.handler
      Environment:
        Variables:
          API: !Ref ServerlessRestApi
"#,
    );
    assert_eq!(function(&p, "Fn").environment["API"], "ServerlessRestApi");
}

#[test]
fn generated_names_are_stable_and_fit() {
    let text = "Resources:\n  ProcessIncomingOrdersFromTheWarehouseQueueFunction:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: python3.12, Handler: a.b, Code: {ZipFile: x}}\n";
    let stack = "warehouse-orders-processing-pipeline-production-eu";
    let first = plan(text, &options(stack)).expect("plan");
    let second = plan(text, &options(stack)).expect("plan again");
    let name = &first.functions[0].name;
    assert_eq!(
        name, &second.functions[0].name,
        "a second deploy finds the same function"
    );
    assert_eq!(name.len(), 64, "{name}");
    assert!(
        name.starts_with("warehouse-orders-processi-ProcessIncomingOrdersFrom-"),
        "{name}"
    );
    let other = plan(text, &options("another-stack")).expect("plan");
    assert_ne!(&other.functions[0].name, name);
}

#[test]
fn a_functions_own_code_wins_over_globals() {
    let p = plan_of(
        r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    CodeUri: src/
    Runtime: python3.12
    Handler: app.handler
  Api:
    Auth:
      ApiKeyRequired: true
Resources:
  FromGlobals:
    Type: AWS::Serverless::Function
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): return 1"
      Events:
        Keyed:
          Type: Api
          Properties: {Path: /keyed, Method: get}
        Open:
          Type: Api
          Properties: {Path: /open, Method: get, Auth: {ApiKeyRequired: false}}
"#,
    );
    assert_eq!(
        function(&p, "FromGlobals").code,
        Code::Local(PathBuf::from("/home/dev/app/src"))
    );
    assert_eq!(
        function(&p, "Inline").code,
        Code::Inline("def handler(e, c): return 1".into())
    );
    let rest = api(&p, "ServerlessRestApi");
    assert!(rest.api_key_required);
    let keys: Vec<(&str, bool)> = rest
        .routes
        .iter()
        .map(|r| (r.path.as_str(), r.api_key_required))
        .collect();
    assert_eq!(keys, [("/keyed", true), ("/open", false)]);
}
