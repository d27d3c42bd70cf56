//! The shapes `sam init` makes (Python, Node), and a plain CloudFormation template in JSON.

use super::*;
use crate::names::{physical_name, suffix};
use std::path::PathBuf;

const PYTHON_HELLO: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  greeter

  A small greeting service

Globals:
  Function:
    Timeout: 3
    MemorySize: 128
    LoggingConfig:
      LogFormat: JSON

Resources:
  GreeterFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: greeter/
      Handler: app.lambda_handler
      Runtime: python3.13
      Architectures:
        - x86_64
      Events:
        Greet:
          Type: Api
          Properties:
            Path: /greet
            Method: get

  AppResourceGroup:
    Type: AWS::ResourceGroups::Group
    Properties:
      Name: !Sub ApplicationInsights-SAM-${AWS::StackName}
      ResourceQuery:
        Type: CLOUDFORMATION_STACK_1_0
  AppInsights:
    Type: AWS::ApplicationInsights::Application
    Properties:
      ResourceGroupName: !Ref AppResourceGroup
      AutoConfigurationEnabled: 'true'

Outputs:
  GreeterApi:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/greet/"
  GreeterFunctionIamRole:
    Value: !GetAtt GreeterFunctionRole.Arn
"#;

#[test]
fn python_hello_world() {
    let p = plan_of(PYTHON_HELLO);
    assert_eq!(p.stack_name, "sam-app");
    assert_eq!(
        p.description.as_deref(),
        Some("greeter\nA small greeting service\n")
    );
    assert_eq!(p.functions.len(), 1);
    let f = function(&p, "GreeterFunction");
    assert_eq!(f.resource_type, "AWS::Serverless::Function");
    assert_eq!(
        f.name,
        format!(
            "sam-app-GreeterFunction-{}",
            suffix("sam-app", "GreeterFunction")
        )
    );
    assert_eq!(
        f.arn,
        format!("arn:aws:lambda:eu-west-1:111122223333:function:{}", f.name)
    );
    assert_eq!(f.code, Code::Local(PathBuf::from("/home/dev/app/greeter")));
    assert_eq!(f.handler.as_deref(), Some("app.lambda_handler"));
    assert_eq!(f.runtime.as_deref(), Some("python3.13"));
    assert_eq!(f.architectures, ["x86_64"]);
    assert_eq!(f.memory_size, Some(128));
    assert_eq!(f.timeout, Some(3));
    assert_eq!(
        f.role,
        "arn:aws:iam::111122223333:role/sam-app-GreeterFunctionRole"
    );
    assert_eq!(
        f.logging_config
            .as_ref()
            .and_then(|l| l.log_format.as_deref()),
        Some("JSON")
    );
    assert_eq!(
        f.tags.get("lambda:createdBy").map(String::as_str),
        Some("SAM")
    );
    assert!(f.layers.is_empty() && f.environment.is_empty());

    assert_eq!(p.apis.len(), 1);
    let a = api(&p, "ServerlessRestApi");
    assert_eq!(a.kind, ApiKind::Rest);
    assert!(a.implicit);
    assert_eq!(a.stage_name, "Prod");
    assert_eq!(a.name, "sam-app");
    assert_eq!(
        a.routes,
        [Route {
            function: "GreeterFunction".into(),
            event: "Greet".into(),
            method: "GET".into(),
            path: "/greet".into(),
            payload_format: PayloadFormat::V1,
            auth: RouteAuth::None,
            api_key_required: false,
            authorization_scopes: vec![],
            timeout_in_millis: None,
        }]
    );
    assert_eq!(
        p.unsupported,
        [
            Unsupported {
                logical_id: "AppInsights".into(),
                resource_type: "AWS::ApplicationInsights::Application".into()
            },
            Unsupported {
                logical_id: "AppResourceGroup".into(),
                resource_type: "AWS::ResourceGroups::Group".into()
            },
        ]
    );
    assert!(p.unhandled_events.is_empty());
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
}

#[test]
fn node_hello_world_with_http_api() {
    let p = plan_of(
        r#"
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: a node service
Globals:
  Function:
    Timeout: 5
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        Minify: true
        EntryPoints: [app.ts]
    Properties:
      CodeUri: ./hello-node
      Handler: app.lambdaHandler
      Runtime: nodejs22.x
      Architectures: [arm64]
      Events:
        Root:
          Type: HttpApi
        Hello:
          Type: HttpApi
          Properties:
            Path: /hello/{name}
            Method: GET
        Legacy:
          Type: HttpApi
          Properties:
            Path: /legacy
            Method: post
            PayloadFormatVersion: "1.0"
            TimeoutInMillis: 5000
"#,
    );
    let f = function(&p, "HelloFunction");
    assert_eq!(
        f.code,
        Code::Local(PathBuf::from("/home/dev/app/hello-node"))
    );
    assert_eq!(f.runtime.as_deref(), Some("nodejs22.x"));
    assert_eq!(f.architectures, ["arm64"]);
    let a = api(&p, "ServerlessHttpApi");
    assert_eq!(
        (a.kind, a.implicit, a.stage_name.as_str()),
        (ApiKind::Http, true, "$default")
    );
    let routes: Vec<(&str, &str, PayloadFormat, Option<u32>)> = a
        .routes
        .iter()
        .map(|r| {
            (
                r.method.as_str(),
                r.path.as_str(),
                r.payload_format,
                r.timeout_in_millis,
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            ("GET", "/hello/{name}", PayloadFormat::V2, None),
            ("POST", "/legacy", PayloadFormat::V1, Some(5000)),
            ("ANY", "$default", PayloadFormat::V2, None),
        ]
    );
}

#[test]
fn cloudformation_function_with_inline_code_in_json() {
    let p = plan_of(
        r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "plain CloudFormation",
  "Resources": {
    "EchoRole": {
      "Type": "AWS::IAM::Role",
      "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}
    },
    "EchoFunction": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Role": {"Fn::GetAtt": ["EchoRole", "Arn"]},
        "Code": {"ZipFile": {"Fn::Join": ["\n", ["def handler(event, context):", "    return event"]]}},
        "MemorySize": 512,
        "Timeout": "20",
        "EphemeralStorage": {"Size": 1024},
        "TracingConfig": {"Mode": "Active"},
        "DeadLetterConfig": {"TargetArn": "arn:aws:sqs:eu-west-1:111122223333:dlq"},
        "Tags": [{"Key": "owner", "Value": "ops"}],
        "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "LogGroup": "/custom/echo"}
      }
    },
    "S3Function": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "FunctionName": "s3-fn",
        "Runtime": "provided.al2023",
        "Handler": "bootstrap",
        "Role": "arn:aws:iam::111122223333:role/given",
        "Code": {"S3Bucket": "code", "S3Key": "fn.zip"}
      }
    },
    "LocalFunction": {
      "Type": "AWS::Lambda::Function",
      "Properties": {"Runtime": "nodejs22.x", "Handler": "index.handler", "Code": "dist/fn.zip"}
    },
    "ImageFunction": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "PackageType": "Image",
        "Code": {"ImageUri": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/echo:1"},
        "ImageConfig": {"Command": ["app.handler"]}
      }
    },
    "Permission": {"Type": "AWS::Lambda::Permission", "Properties": {"FunctionName": {"Ref": "EchoFunction"}}}
  }
}"#,
    );
    assert_eq!(p.description.as_deref(), Some("plain CloudFormation"));
    let echo = function(&p, "EchoFunction");
    assert_eq!(echo.resource_type, "AWS::Lambda::Function");
    assert_eq!(
        echo.code,
        Code::Inline("def handler(event, context):\n    return event".into())
    );
    let role_name = physical_name("sam-app", "EchoRole", 64);
    assert_eq!(
        echo.role,
        format!("arn:aws:iam::111122223333:role/{role_name}")
    );
    assert_eq!(
        (echo.memory_size, echo.timeout, echo.ephemeral_storage),
        (Some(512), Some(20), Some(1024))
    );
    assert_eq!(echo.tracing.as_deref(), Some("Active"));
    assert_eq!(
        echo.dead_letter_target_arn.as_deref(),
        Some("arn:aws:sqs:eu-west-1:111122223333:dlq")
    );
    assert_eq!(
        echo.tags.len(),
        1,
        "no SAM tag on a CloudFormation function"
    );
    assert_eq!(echo.tags["owner"], "ops");
    assert_eq!(
        echo.logging_config,
        Some(LoggingConfig {
            log_format: Some("JSON".into()),
            application_log_level: Some("INFO".into()),
            system_log_level: None,
            log_group: Some("/custom/echo".into()),
        })
    );
    let s3 = function(&p, "S3Function");
    assert_eq!(s3.name, "s3-fn");
    assert_eq!(
        s3.code,
        Code::S3 {
            bucket: "code".into(),
            key: "fn.zip".into(),
            version: None
        }
    );
    assert_eq!(
        function(&p, "LocalFunction").code,
        Code::Local(PathBuf::from("/home/dev/app/dist/fn.zip"))
    );
    let image = function(&p, "ImageFunction");
    assert_eq!(
        image.code,
        Code::Image("111122223333.dkr.ecr.eu-west-1.amazonaws.com/echo:1".into())
    );
    assert_eq!(
        (image.handler.as_deref(), image.runtime.as_deref()),
        (None, None)
    );
    assert_eq!(
        image.image_config.as_ref().and_then(|c| c.command.clone()),
        Some(vec!["app.handler".to_owned()])
    );
    let unsupported: Vec<&str> = p
        .unsupported
        .iter()
        .map(|u| u.logical_id.as_str())
        .collect();
    assert_eq!(unsupported, ["EchoRole", "Permission"]);
    assert!(p.apis.is_empty());
}
