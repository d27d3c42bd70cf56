//! Templates with mistakes: each error names its place and what was expected.

use super::*;

#[test]
fn function_mistakes_are_named() {
    let fun = |props: &str| {
        plan_err(&format!(
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n{props}\n"
        ))
    };
    assert_eq!(
        fun("      CodeUri: src/\n      Handler: app.handler"),
        "Resources.Fn.Properties: Runtime is missing: a function of PackageType Zip needs Runtime and Handler"
    );
    assert_eq!(
        fun("      Runtime: python3.12\n      Handler: app.handler"),
        "Resources.Fn.Properties: CodeUri is missing (or give InlineCode)"
    );
    assert_eq!(
        fun("      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n      Timeout: !Fn::Bogus 3"),
        "Resources.Fn.Properties.Timeout: unknown tag !Fn::Bogus: CloudFormation's short forms are !Ref, !Sub, !GetAtt, !Join, !If, !Equals, !Not, !And, !Or, !Select, !Split, !FindInMap, !Base64, !Condition, !ImportValue, !GetAZs, !Cidr, !Length, !ToJsonString and !Transform"
    );
    let e = fun("      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n      Timeout: {\"Fn::Bogus\": 3}");
    assert!(
        e.starts_with("Resources.Fn.Properties.Timeout.Fn::Bogus: unknown intrinsic function Fn::Bogus; supported are Ref, Fn::Sub"),
        "{e}"
    );
    assert_eq!(
        fun("      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n      MemorySize: lots"),
        "Resources.Fn.Properties.MemorySize: expected a whole number, found \"lots\""
    );
    let e = fun("      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n      Environment:\n        Variables:\n          Q: !GetAtt Fn.FunctionUrl");
    assert!(
        e.contains("Fn::GetAtt Fn.FunctionUrl: a function's only supported attribute is Arn"),
        "{e}"
    );
    let e = fun("      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n      ProvisionedConcurrencyConfig: {ProvisionedConcurrentExecutions: 1}");
    assert!(e.contains("needs AutoPublishAlias"), "{e}");
    let e = fun("      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n      FunctionName: \"has spaces\"");
    assert!(
        e.starts_with(
            "Resources.Fn.Properties.FunctionName: \"has spaces\" is not a function name"
        ),
        "{e}"
    );
    let e = fun("      CodeUri: src/\n      Runtime: python3.12\n      Handler: app.handler\n      Description: !ImportValue shared-description");
    assert!(
        e.contains("Fn::ImportValue (another stack's export) is not supported"),
        "{e}"
    );
}

#[test]
fn template_mistakes_are_named() {
    assert_eq!(
        plan_err("AWSTemplateFormatVersion: '2010-09-09'\n"),
        "template: Resources is missing"
    );
    assert_eq!(
        plan_err("Resources: {}\n"),
        "Resources: the template has no resources"
    );
    assert_eq!(
        plan_err("Resources:\n  X: {Properties: {}}\n"),
        "Resources.X: Type is missing"
    );
    let e = plan_err("Transform: AWS::Include\nResources:\n  X: {Type: AWS::SQS::Queue}\n");
    assert!(
        e.starts_with("Transform: AWS::Include is not supported"),
        "{e}"
    );
    let e = plan_err("Resources:\n  X: {Type: AWS::SQS::Queue, Condition: Nope}\n");
    assert_eq!(
        e,
        "Resources.X.Condition: no condition named Nope in Conditions"
    );
    let e =
        plan_err("Parameters:\n  Key: {Type: String}\nResources:\n  X: {Type: AWS::SQS::Queue}\n");
    assert_eq!(
        e,
        "Parameters.Key: Key has no Default: give it a value with --parameter-overrides Key=…"
    );
    let e = plan(
        "Resources:\n  X: {Type: AWS::SQS::Queue}\n",
        &options("1-bad"),
    )
    .expect_err("stack");
    assert!(
        e.to_string()
            .starts_with("options.stack_name: \"1-bad\" is not a stack name"),
        "{e}"
    );
    let e = plan_err("Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties: {FunctionName: same, Runtime: python3.12, Handler: a.b, Code: {ZipFile: x}}\n  B:\n    Type: AWS::Lambda::Function\n    Properties: {FunctionName: same, Runtime: python3.12, Handler: a.b, Code: {ZipFile: x}}\n");
    assert_eq!(
        e,
        "Resources.B.Properties.FunctionName: A has the same function name \"same\""
    );
}
