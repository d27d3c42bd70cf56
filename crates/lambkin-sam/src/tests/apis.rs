//! Implicit and explicit REST and HTTP APIs, authorizers, CORS, and other events.

use std::collections::BTreeMap;

use super::*;

const APIS: &str = r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs22.x
    Handler: index.handler
    CodeUri: src/
  Api:
    Cors:
      AllowMethods: "'GET,POST,OPTIONS'"
      AllowHeaders: "'Content-Type,Authorization'"
      AllowOrigin: "'https://shop.example'"
      MaxAge: "'600'"
      AllowCredentials: true
    BinaryMediaTypes: ["image~1png", "*~1*"]
  HttpApi:
    CorsConfiguration: true
Resources:
  AdminApi:
    Type: AWS::Serverless::Api
    Properties:
      Name: admin
      StageName: v1
      Variables:
        backend: blue
      Auth:
        DefaultAuthorizer: TokenAuth
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt AuthFunction.Arn
            Identity:
              ValidationExpression: "^Bearer .+$"
          RequestAuth:
            FunctionPayloadType: REQUEST
            FunctionArn: arn:aws:lambda:eu-west-1:111122223333:function:external-auth
            Identity:
              Headers: [X-Api-Token]
              QueryStrings: [tenant]
              ReauthorizeEvery: 0
          Pool:
            UserPoolArn: arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_abc
      DefinitionBody:
        openapi: "3.0.1"
  PublicHttp:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: live
      StageVariables:
        color: green
      CorsConfiguration:
        AllowOrigins: ["https://app.example"]
        AllowMethods: [GET]
        ExposeHeaders: [X-Request-Id]
        MaxAge: 300
      Auth:
        DefaultAuthorizer: LambdaAuth
        Authorizers:
          LambdaAuth:
            FunctionArn: !GetAtt AuthFunction.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [Authorization]
              ReauthorizeEvery: 60
          Jwt:
            JwtConfiguration:
              issuer: https://issuer.example
              audience: [shop]
            IdentitySource: $request.header.Authorization
  AuthFunction:
    Type: AWS::Serverless::Function
  ShopFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        ListItems:
          Type: Api
          Properties:
            Path: /items
            Method: GET
        AddItem:
          Type: Api
          Properties:
            Path: /items
            Method: post
            Auth:
              ApiKeyRequired: true
        AdminStats:
          Type: Api
          Properties:
            RestApiId: !Ref AdminApi
            Path: /stats
            Method: any
        AdminOpen:
          Type: Api
          Properties:
            RestApiId: !Ref AdminApi
            Path: /health
            Method: get
            Auth:
              Authorizer: NONE
        AdminPool:
          Type: Api
          Properties:
            RestApiId: !Ref AdminApi
            Path: /me
            Method: get
            Auth:
              Authorizer: Pool
        Orders:
          Type: HttpApi
          Properties:
            ApiId: !Ref PublicHttp
            Path: /orders/{id}
            Method: GET
        OrdersJwt:
          Type: HttpApi
          Properties:
            ApiId: !Ref PublicHttp
            Path: /orders
            Method: POST
            Auth:
              Authorizer: Jwt
              AuthorizationScopes: [orders/write]
        Ping:
          Type: HttpApi
          Properties:
            Path: /ping
            Method: GET
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt JobsQueue.Arn
            BatchSize: 5
  JobsQueue:
    Type: AWS::SQS::Queue
"#;

#[test]
fn implicit_and_explicit_apis_with_authorizers_and_cors() {
    let p = plan_of(APIS);
    let auth_arn = function(&p, "AuthFunction").arn.clone();
    assert_eq!(
        p.apis
            .iter()
            .map(|a| a.logical_id.as_str())
            .collect::<Vec<_>>(),
        [
            "AdminApi",
            "PublicHttp",
            "ServerlessHttpApi",
            "ServerlessRestApi"
        ]
    );

    let admin = api(&p, "AdminApi");
    assert_eq!((admin.kind, admin.implicit), (ApiKind::Rest, false));
    assert_eq!(
        (admin.name.as_str(), admin.stage_name.as_str()),
        ("admin", "v1")
    );
    assert_eq!(admin.stage_variables["backend"], "blue");
    assert_eq!(admin.default_authorizer.as_deref(), Some("TokenAuth"));
    assert_eq!(
        admin.binary_media_types,
        ["image/png", "*/*"],
        "from Globals.Api"
    );
    let cors = admin.cors.as_ref().expect("cors from Globals.Api");
    assert_eq!(cors.allow_origins, ["https://shop.example"]);
    assert_eq!(cors.allow_methods, ["GET", "POST", "OPTIONS"]);
    assert_eq!(cors.allow_headers, ["Content-Type", "Authorization"]);
    assert_eq!((cors.max_age, cors.allow_credentials), (Some(600), true));
    let by_name: BTreeMap<&str, &AuthorizerKind> = admin
        .authorizers
        .iter()
        .map(|a| (a.name.as_str(), &a.kind))
        .collect();
    assert_eq!(
        by_name["TokenAuth"],
        &AuthorizerKind::Lambda(LambdaAuthorizer {
            function_arn: auth_arn.clone(),
            function: Some("AuthFunction".into()),
            request_type: AuthorizerRequest::Token,
            payload_format: PayloadFormat::V1,
            enable_simple_responses: false,
            identity: Identity {
                header: Some("Authorization".into()),
                validation_expression: Some("^Bearer .+$".into()),
                reauthorize_every: Some(300),
                ..Identity::default()
            },
        })
    );
    let AuthorizerKind::Lambda(request) = by_name["RequestAuth"] else {
        panic!("RequestAuth is a Lambda authorizer");
    };
    assert_eq!(request.request_type, AuthorizerRequest::Request);
    assert_eq!(request.function, None, "not a function of the template");
    assert_eq!(request.identity.headers, ["X-Api-Token"]);
    assert_eq!(request.identity.query_strings, ["tenant"]);
    assert_eq!(request.identity.reauthorize_every, Some(0));
    assert_eq!(
        by_name["Pool"],
        &AuthorizerKind::Cognito {
            user_pool_arns: vec![
                "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_abc".into()
            ],
            header: "Authorization".into(),
        }
    );
    let admin_routes: Vec<(&str, &str, &RouteAuth)> = admin
        .routes
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), &r.auth))
        .collect();
    assert_eq!(
        admin_routes,
        [
            ("GET", "/health", &RouteAuth::None),
            ("GET", "/me", &RouteAuth::Authorizer("Pool".into())),
            ("ANY", "/stats", &RouteAuth::Authorizer("TokenAuth".into())),
        ]
    );

    let http = api(&p, "PublicHttp");
    assert_eq!(
        (http.kind, http.stage_name.as_str()),
        (ApiKind::Http, "live")
    );
    assert_eq!(http.stage_variables["color"], "green");
    assert_eq!(
        http.cors,
        Some(Cors {
            allow_origins: vec!["https://app.example".into()],
            allow_methods: vec!["GET".into()],
            allow_headers: vec![],
            expose_headers: vec!["X-Request-Id".into()],
            max_age: Some(300),
            allow_credentials: false,
        }),
        "the API's own configuration wins over Globals' true"
    );
    let by_name: BTreeMap<&str, &AuthorizerKind> = http
        .authorizers
        .iter()
        .map(|a| (a.name.as_str(), &a.kind))
        .collect();
    assert_eq!(
        by_name["LambdaAuth"],
        &AuthorizerKind::Lambda(LambdaAuthorizer {
            function_arn: auth_arn,
            function: Some("AuthFunction".into()),
            request_type: AuthorizerRequest::Request,
            payload_format: PayloadFormat::V2,
            enable_simple_responses: true,
            identity: Identity {
                headers: vec!["Authorization".into()],
                reauthorize_every: Some(60),
                ..Identity::default()
            },
        })
    );
    assert_eq!(
        by_name["Jwt"],
        &AuthorizerKind::Jwt {
            issuer: "https://issuer.example".into(),
            audience: vec!["shop".into()],
            identity_source: "$request.header.Authorization".into(),
        }
    );
    let orders = &http.routes;
    assert_eq!(orders.len(), 2);
    assert_eq!(orders[0].auth, RouteAuth::Authorizer("LambdaAuth".into()));
    assert_eq!(
        (orders[1].method.as_str(), &orders[1].auth),
        ("POST", &RouteAuth::Authorizer("Jwt".into()))
    );
    assert_eq!(orders[1].authorization_scopes, ["orders/write"]);

    let implicit_http = api(&p, "ServerlessHttpApi");
    assert_eq!(implicit_http.stage_name, "$default");
    assert_eq!(
        implicit_http.cors.as_ref().map(|c| c.allow_origins.clone()),
        Some(vec!["*".to_owned()]),
        "Globals.HttpApi's CorsConfiguration: true"
    );
    assert_eq!(implicit_http.routes.len(), 1);

    let implicit_rest = api(&p, "ServerlessRestApi");
    assert_eq!(implicit_rest.stage_name, "Prod");
    assert!(
        implicit_rest.cors.is_some(),
        "Globals.Api applies to the implicit API"
    );
    let rest_routes: Vec<(&str, bool)> = implicit_rest
        .routes
        .iter()
        .map(|r| (r.method.as_str(), r.api_key_required))
        .collect();
    assert_eq!(rest_routes, [("POST", true), ("GET", false)]);

    let unhandled: Vec<(&str, &str, &str)> = p
        .unhandled_events
        .iter()
        .map(|e| (e.function.as_str(), e.event.as_str(), e.kind.as_str()))
        .collect();
    assert_eq!(
        unhandled,
        [
            ("ShopFunction", "Nightly", "Schedule"),
            ("ShopFunction", "Queue", "SQS")
        ]
    );
    assert_eq!(
        p.unhandled_events[1].properties["Queue"],
        serde_json::json!({"Fn::GetAtt": ["JobsQueue", "Arn"]}),
        "kept as written"
    );
    assert_eq!(
        p.warnings,
        ["AdminApi: DefinitionBody (an OpenAPI definition) is not read; its routes come from the functions' events"]
    );
}

#[test]
fn api_mistakes_are_named() {
    let base = |events: &str| {
        format!(
            r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Http:
    Type: AWS::Serverless::HttpApi
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Runtime: python3.12
      Handler: app.handler
      Events:
{events}
"#
        )
    };
    let e = plan_err(&base(
        "        A:\n          Type: Api\n          Properties: {Path: /a, Method: get, RestApiId: !Ref Nope}",
    ));
    assert_eq!(
        e,
        "Resources.Fn.Properties.Events.A.Properties.RestApiId: no AWS::Serverless::Api named Nope in this template (or its condition is false)"
    );
    let e = plan_err(&base(
        "        A:\n          Type: Api\n          Properties: {Path: /a, Method: get, RestApiId: !Ref Http}",
    ));
    assert!(e.contains("Http is not an AWS::Serverless::Api"), "{e}");
    let e = plan_err(&base(
        "        A:\n          Type: Api\n          Properties: {Path: /a, Method: get}\n        B:\n          Type: Api\n          Properties: {Path: /a, Method: GET}",
    ));
    assert!(
        e.contains("GET /a of API ServerlessRestApi is already the route of Fn's event A"),
        "{e}"
    );
    let e = plan_err(&base(
        "        A:\n          Type: Api\n          Properties: {Path: /a, Method: fetch}",
    ));
    assert!(
        e.starts_with("Resources.Fn.Properties.Events.A.Properties.Method: expected one of GET"),
        "{e}"
    );
    let e = plan_err(&base(
        "        A:\n          Type: Api\n          Properties: {Method: get}",
    ));
    assert_eq!(
        e,
        "Resources.Fn.Properties.Events.A.Properties: Path is missing"
    );
    let e = plan_err(&base(
        "        A:\n          Type: Api\n          Properties: {Path: /a, Method: get, Auth: {Authorizer: Missing}}",
    ));
    assert!(
        e.contains("Missing is not an authorizer of API ServerlessRestApi (there are none)"),
        "{e}"
    );
}
