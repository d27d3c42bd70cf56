//! API Gateway from a template: explicit `AWS::Serverless::Api`/`HttpApi` resources, the implicit APIs SAM
//! makes for events that name none (`ServerlessRestApi` stage `Prod`, `ServerlessHttpApi` stage `$default`), and
//! each `Api`/`HttpApi` event as a route; events of other types are kept as unhandled.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::build::Ctx;
use crate::error::{child, SamError};
use crate::fields::Fields;
use crate::functions::RawEvent;
use crate::plan::{
    Api, ApiKind, Authorizer, AuthorizerKind, AuthorizerRequest, Cors, Function, Identity,
    LambdaAuthorizer, PayloadFormat, Route, RouteAuth, UnhandledEvent,
};

/// The implicit REST API's logical id and stage.
pub const IMPLICIT_REST: (&str, &str) = ("ServerlessRestApi", "Prod");
/// The implicit HTTP API's logical id and stage.
pub const IMPLICIT_HTTP: (&str, &str) = ("ServerlessHttpApi", "$default");

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

/// An explicit API resource, as written.
pub(crate) struct RawApi<'t> {
    pub id: String,
    pub kind: ApiKind,
    pub properties: &'t Map<String, Value>,
}

/// The plan's APIs (explicit ones first built, implicit ones made on first need) with their routes, and the
/// events that are not API events.
pub(crate) fn apis(
    ctx: &Ctx<'_>,
    explicit: &[RawApi<'_>],
    events: Vec<RawEvent>,
    functions: &[Function],
    warnings: &mut Vec<String>,
) -> Result<(Vec<Api>, Vec<UnhandledEvent>), SamError> {
    let mut apis: BTreeMap<String, Api> = BTreeMap::new();
    for raw in explicit {
        let at = format!("Resources.{}.Properties", raw.id);
        let api = api(
            ctx,
            &raw.id,
            raw.kind,
            raw.properties,
            &at,
            false,
            functions,
            warnings,
        )?;
        apis.insert(raw.id.clone(), api);
    }
    let mut unhandled = Vec::new();
    for event in events {
        let kind = match event.kind.as_str() {
            "Api" => ApiKind::Rest,
            "HttpApi" => ApiKind::Http,
            _ => {
                unhandled.push(UnhandledEvent {
                    function: event.function,
                    event: event.name,
                    kind: event.kind,
                    properties: Value::Object(event.properties),
                });
                continue;
            }
        };
        let id_key = match kind {
            ApiKind::Rest => "RestApiId",
            ApiKind::Http => "ApiId",
        };
        let api_id = match event.properties.get(id_key) {
            None => {
                let (id, _) = implicit(kind);
                if !apis.contains_key(id) {
                    let empty = Map::new();
                    let made = api(
                        ctx,
                        id,
                        kind,
                        &empty,
                        &format!("Globals.{}", section(kind)),
                        true,
                        functions,
                        warnings,
                    )?;
                    apis.insert(id.to_owned(), made);
                }
                id.to_owned()
            }
            Some(v) => {
                let at = child(&event.at, id_key);
                let target = match v {
                    Value::Object(m) if m.len() == 1 => m.get("Ref").and_then(Value::as_str),
                    _ => None,
                };
                let Some(target) = target else {
                    return Err(SamError::at(
                        at,
                        format!(
                            "expected !Ref of an {} of this template",
                            resource_type(kind)
                        ),
                    ));
                };
                match apis.get(target) {
                    Some(a) if a.kind == kind => target.to_owned(),
                    Some(_) => {
                        return Err(SamError::at(
                            at,
                            format!(
                                "{target} is not an {}: a {} event needs one",
                                resource_type(kind),
                                event.kind
                            ),
                        ))
                    }
                    None => {
                        return Err(SamError::at(
                            at,
                            format!(
                                "no {} named {target} in this template (or its condition is false)",
                                resource_type(kind)
                            ),
                        ))
                    }
                }
            }
        };
        let Some(api) = apis.get_mut(&api_id) else {
            continue;
        };
        let route = route(ctx, api, &event)?;
        if let Some(same) = api
            .routes
            .iter()
            .find(|r| r.method == route.method && r.path == route.path)
        {
            return Err(SamError::at(
                &event.at,
                format!(
                    "{} {} of API {api_id} is already the route of {}'s event {}",
                    route.method, route.path, same.function, same.event
                ),
            ));
        }
        api.routes.push(route);
    }
    Ok((apis.into_values().collect(), unhandled))
}

fn implicit(kind: ApiKind) -> (&'static str, &'static str) {
    match kind {
        ApiKind::Rest => IMPLICIT_REST,
        ApiKind::Http => IMPLICIT_HTTP,
    }
}

fn section(kind: ApiKind) -> &'static str {
    match kind {
        ApiKind::Rest => "Api",
        ApiKind::Http => "HttpApi",
    }
}

fn resource_type(kind: ApiKind) -> &'static str {
    match kind {
        ApiKind::Rest => "AWS::Serverless::Api",
        ApiKind::Http => "AWS::Serverless::HttpApi",
    }
}

#[allow(clippy::too_many_arguments)]
fn api(
    ctx: &Ctx<'_>,
    id: &str,
    kind: ApiKind,
    properties: &Map<String, Value>,
    at: &str,
    implicit_api: bool,
    functions: &[Function],
    warnings: &mut Vec<String>,
) -> Result<Api, SamError> {
    let raw = ctx.globals.apply(section(kind), properties);
    for key in ["DefinitionBody", "DefinitionUri"] {
        if raw.contains_key(key) {
            warnings.push(format!(
                "{id}: {key} (an OpenAPI definition) is not read; its routes come from the functions' events"
            ));
        }
    }
    let (variables_key, cors_key) = match kind {
        ApiKind::Rest => ("Variables", "Cors"),
        ApiKind::Http => ("StageVariables", "CorsConfiguration"),
    };
    let f = Fields::evaluate(
        &ctx.scope,
        &raw,
        &[
            "Name",
            "StageName",
            variables_key,
            cors_key,
            "Auth",
            "BinaryMediaTypes",
        ],
        at,
    )?;
    let stage_name = match (implicit_api, kind, f.string("StageName")?) {
        (true, _, _) => implicit(kind).1.to_owned(),
        (false, _, Some(stage)) => stage,
        (false, ApiKind::Http, None) => IMPLICIT_HTTP.1.to_owned(),
        (false, ApiKind::Rest, None) => {
            return Err(SamError::at(
                at,
                "StageName is missing: an AWS::Serverless::Api needs one",
            ))
        }
    };
    let cors = match kind {
        ApiKind::Rest => rest_cors(&f, cors_key)?,
        ApiKind::Http => http_cors(&f, cors_key)?,
    };
    let auth = f.fields("Auth")?;
    let (authorizers, default_authorizer) = match &auth {
        Some(auth) => authorizers(auth, kind, functions)?,
        None => (Vec::new(), None),
    };
    let api_key_required = match (&auth, kind) {
        (Some(auth), ApiKind::Rest) => auth.bool("ApiKeyRequired")?.unwrap_or(false),
        _ => false,
    };
    Ok(Api {
        logical_id: id.to_owned(),
        kind,
        implicit: implicit_api,
        name: f
            .string("Name")?
            .unwrap_or_else(|| ctx.scope.stack.to_owned()),
        stage_name,
        stage_variables: f.string_map(variables_key)?,
        cors,
        authorizers,
        default_authorizer,
        api_key_required,
        binary_media_types: f
            .strings("BinaryMediaTypes")?
            .into_iter()
            .map(|t| t.replace("~1", "/"))
            .collect(),
        routes: Vec::new(),
    })
}

/// A REST API's `Cors`: `"'origin'"`, or a map of quoted header values.
fn rest_cors(f: &Fields, key: &str) -> Result<Option<Cors>, SamError> {
    match f.get(key) {
        None => Ok(None),
        Some(Value::Object(_)) => {
            let c = f
                .fields(key)?
                .ok_or_else(|| SamError::at(f.at(key), "expected a map"))?;
            let quoted = |k: &str| -> Result<Vec<String>, SamError> {
                Ok(c.string(k)?.map(|s| unquote_list(&s)).unwrap_or_default())
            };
            let max_age = match c.string("MaxAge")? {
                None => None,
                Some(s) => Some(unquote(&s).trim().parse::<u32>().map_err(|_| {
                    SamError::at(
                        c.at("MaxAge"),
                        format!("expected a whole number of seconds, found {s:?}"),
                    )
                })?),
            };
            Ok(Some(Cors {
                allow_origins: quoted("AllowOrigin")?,
                allow_methods: quoted("AllowMethods")?,
                allow_headers: quoted("AllowHeaders")?,
                expose_headers: Vec::new(),
                max_age,
                allow_credentials: c.bool("AllowCredentials")?.unwrap_or(false),
            }))
        }
        Some(_) => {
            let origin = f.string(key)?.unwrap_or_default();
            Ok(Some(Cors {
                allow_origins: unquote_list(&origin),
                ..Cors::default()
            }))
        }
    }
}

/// An HTTP API's `CorsConfiguration`: `true` (everything allowed) or a map.
fn http_cors(f: &Fields, key: &str) -> Result<Option<Cors>, SamError> {
    match f.get(key) {
        None => Ok(None),
        Some(Value::Object(_)) => {
            let c = f
                .fields(key)?
                .ok_or_else(|| SamError::at(f.at(key), "expected a map"))?;
            Ok(Some(Cors {
                allow_origins: c.strings("AllowOrigins")?,
                allow_methods: c.strings("AllowMethods")?,
                allow_headers: c.strings("AllowHeaders")?,
                expose_headers: c.strings("ExposeHeaders")?,
                max_age: c.u32("MaxAge")?,
                allow_credentials: c.bool("AllowCredentials")?.unwrap_or(false),
            }))
        }
        Some(_) => Ok(f.bool(key)?.filter(|on| *on).map(|_| {
            let any = vec!["*".to_owned()];
            Cors {
                allow_origins: any.clone(),
                allow_methods: any.clone(),
                allow_headers: any,
                ..Cors::default()
            }
        })),
    }
}

/// `'value'` without its single quotes (SAM passes REST CORS values to API Gateway as quoted literals).
fn unquote(s: &str) -> &str {
    let t = s.trim();
    t.strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(t)
}

fn unquote_list(s: &str) -> Vec<String> {
    unquote(s)
        .split(',')
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// An API's `Auth`: its authorizers and default.
fn authorizers(
    auth: &Fields,
    kind: ApiKind,
    functions: &[Function],
) -> Result<(Vec<Authorizer>, Option<String>), SamError> {
    let mut out = Vec::new();
    if let Some(defs) = auth.fields("Authorizers")? {
        let Some(Value::Object(m)) = auth.get("Authorizers") else {
            return Err(SamError::at(
                auth.at("Authorizers"),
                "expected a map of authorizers",
            ));
        };
        for name in m.keys() {
            let def = defs
                .fields(name)?
                .ok_or_else(|| SamError::at(defs.at(name), "expected a map"))?;
            let kind = match kind {
                ApiKind::Rest => rest_authorizer(&def, functions)?,
                ApiKind::Http => http_authorizer(&def, functions)?,
            };
            out.push(Authorizer {
                name: name.clone(),
                kind,
            });
        }
    }
    let default = auth.string("DefaultAuthorizer")?;
    if let Some(d) = &default {
        if d != "AWS_IAM" && !out.iter().any(|a| &a.name == d) {
            return Err(SamError::at(
                auth.at("DefaultAuthorizer"),
                format!("{d} is not one of Auth.Authorizers ({})", names(&out)),
            ));
        }
    }
    Ok((out, default))
}

fn names(authorizers: &[Authorizer]) -> String {
    if authorizers.is_empty() {
        "there are none".to_owned()
    } else {
        authorizers
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn lambda_function(arn: &str, functions: &[Function]) -> Option<String> {
    functions
        .iter()
        .find(|f| f.arn == arn)
        .map(|f| f.logical_id.clone())
}

fn rest_authorizer(def: &Fields, functions: &[Function]) -> Result<AuthorizerKind, SamError> {
    let identity = def.fields("Identity")?;
    let header = identity
        .as_ref()
        .map(|i| i.string("Header"))
        .transpose()?
        .flatten()
        .unwrap_or_else(|| "Authorization".to_owned());
    if let Some(arn) = def.string("FunctionArn")? {
        let request_type = match def.string("FunctionPayloadType")?.as_deref() {
            None | Some("TOKEN") => AuthorizerRequest::Token,
            Some("REQUEST") => AuthorizerRequest::Request,
            Some(other) => {
                return Err(SamError::at(
                    def.at("FunctionPayloadType"),
                    format!("expected TOKEN or REQUEST, found {other:?}"),
                ))
            }
        };
        let mut id = identity_of(identity.as_ref())?;
        if request_type == AuthorizerRequest::Token {
            id.header = Some(header);
        }
        // API Gateway caches an answer for 300 seconds unless told otherwise.
        id.reauthorize_every = id.reauthorize_every.or(Some(300));
        return Ok(AuthorizerKind::Lambda(LambdaAuthorizer {
            function: lambda_function(&arn, functions),
            function_arn: arn,
            request_type,
            payload_format: PayloadFormat::V1,
            enable_simple_responses: false,
            identity: id,
        }));
    }
    if def.get("UserPoolArn").is_some() {
        return Ok(AuthorizerKind::Cognito {
            user_pool_arns: def.one_or_more("UserPoolArn")?,
            header,
        });
    }
    Err(SamError::at(
        def.place(),
        "expected FunctionArn (a Lambda authorizer) or UserPoolArn (a Cognito authorizer)",
    ))
}

fn http_authorizer(def: &Fields, functions: &[Function]) -> Result<AuthorizerKind, SamError> {
    if let Some(arn) = def.string("FunctionArn")? {
        let payload_format = match def.string("AuthorizerPayloadFormatVersion")?.as_deref() {
            Some("1.0") | Some("1") => PayloadFormat::V1,
            Some("2.0") | Some("2") => PayloadFormat::V2,
            Some(other) => {
                return Err(SamError::at(
                    def.at("AuthorizerPayloadFormatVersion"),
                    format!("expected 1.0 or 2.0, found {other:?}"),
                ))
            }
            None => {
                return Err(SamError::at(
                    def.place(),
                    "AuthorizerPayloadFormatVersion is missing: a Lambda authorizer of an HTTP API needs 1.0 or 2.0",
                ))
            }
        };
        let enable_simple_responses = def.bool("EnableSimpleResponses")?.unwrap_or(false);
        if enable_simple_responses && payload_format == PayloadFormat::V1 {
            return Err(SamError::at(
                def.at("EnableSimpleResponses"),
                "simple responses need AuthorizerPayloadFormatVersion 2.0",
            ));
        }
        return Ok(AuthorizerKind::Lambda(LambdaAuthorizer {
            function: lambda_function(&arn, functions),
            function_arn: arn,
            request_type: AuthorizerRequest::Request,
            payload_format,
            enable_simple_responses,
            identity: identity_of(def.fields("Identity")?.as_ref())?,
        }));
    }
    if let Some(jwt) = def.fields("JwtConfiguration")? {
        return Ok(AuthorizerKind::Jwt {
            issuer: jwt.required_string("issuer")?,
            audience: jwt.one_or_more("audience")?,
            identity_source: def
                .string("IdentitySource")?
                .unwrap_or_else(|| "$request.header.Authorization".to_owned()),
        });
    }
    Err(SamError::at(
        def.place(),
        "expected FunctionArn (a Lambda authorizer) or JwtConfiguration (a JWT authorizer)",
    ))
}

fn identity_of(identity: Option<&Fields>) -> Result<Identity, SamError> {
    let Some(i) = identity else {
        return Ok(Identity::default());
    };
    Ok(Identity {
        header: None,
        validation_expression: i.string("ValidationExpression")?,
        headers: i.strings("Headers")?,
        query_strings: i.strings("QueryStrings")?,
        stage_variables: i.strings("StageVariables")?,
        context: i.strings("Context")?,
        reauthorize_every: i.u32("ReauthorizeEvery")?,
    })
}

/// An `Api`/`HttpApi` event as a route of `api`.
fn route(ctx: &Ctx<'_>, api: &Api, event: &RawEvent) -> Result<Route, SamError> {
    let f = Fields::evaluate(
        &ctx.scope,
        &event.properties,
        &[
            "Path",
            "Method",
            "Auth",
            "PayloadFormatVersion",
            "TimeoutInMillis",
        ],
        &event.at,
    )?;
    let (path, method) = match api.kind {
        ApiKind::Rest => (f.required_string("Path")?, f.required_string("Method")?),
        // An HTTP API event without Path and Method is the catch-all `$default` route.
        ApiKind::Http => (
            f.string("Path")?.unwrap_or_else(|| "$default".to_owned()),
            f.string("Method")?.unwrap_or_else(|| "ANY".to_owned()),
        ),
    };
    if !(path.starts_with('/') || (api.kind == ApiKind::Http && path == "$default")) {
        return Err(SamError::at(
            f.at("Path"),
            format!("expected a path starting with /, found {path:?}"),
        ));
    }
    let method = match method.to_ascii_uppercase() {
        m if METHODS.contains(&m.as_str()) => m,
        m if m == "X-AMAZON-APIGATEWAY-ANY-METHOD" => "ANY".to_owned(),
        _ => {
            return Err(SamError::at(
                f.at("Method"),
                format!(
                    "expected one of {} (any case), found {method:?}",
                    METHODS.join(", ")
                ),
            ))
        }
    };
    let payload_format = match (api.kind, f.string("PayloadFormatVersion")?.as_deref()) {
        (ApiKind::Rest, _) => PayloadFormat::V1,
        (ApiKind::Http, None | Some("2.0") | Some("2")) => PayloadFormat::V2,
        (ApiKind::Http, Some("1.0") | Some("1")) => PayloadFormat::V1,
        (ApiKind::Http, Some(other)) => {
            return Err(SamError::at(
                f.at("PayloadFormatVersion"),
                format!("expected 1.0 or 2.0, found {other:?}"),
            ))
        }
    };
    let auth = f.fields("Auth")?;
    let named = auth
        .as_ref()
        .map(|a| a.string("Authorizer"))
        .transpose()?
        .flatten();
    let chosen = named.clone().or_else(|| api.default_authorizer.clone());
    let route_auth = match chosen.as_deref() {
        None | Some("NONE") => RouteAuth::None,
        Some("AWS_IAM") => RouteAuth::Iam,
        Some(name) => {
            if !api.authorizers.iter().any(|a| a.name == name) {
                return Err(SamError::at(
                    auth.as_ref()
                        .map(|a| a.at("Authorizer"))
                        .unwrap_or_else(|| event.at.clone()),
                    format!(
                        "{name} is not an authorizer of API {} ({})",
                        api.logical_id,
                        names(&api.authorizers)
                    ),
                ));
            }
            RouteAuth::Authorizer(name.to_owned())
        }
    };
    Ok(Route {
        function: event.function.clone(),
        event: event.name.clone(),
        method,
        path,
        payload_format,
        auth: route_auth,
        api_key_required: auth
            .as_ref()
            .map(|a| a.bool("ApiKeyRequired"))
            .transpose()?
            .flatten()
            .unwrap_or(api.api_key_required),
        authorization_scopes: auth
            .as_ref()
            .map(|a| a.strings("AuthorizationScopes"))
            .transpose()?
            .unwrap_or_default(),
        timeout_in_millis: f.u32("TimeoutInMillis")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_cors_values_are_unquoted() {
        assert_eq!(unquote("'*'"), "*");
        assert_eq!(unquote(" 'GET, POST' "), "GET, POST");
        assert_eq!(unquote("plain"), "plain");
        assert_eq!(
            unquote_list("'GET, POST,,OPTIONS'"),
            ["GET", "POST", "OPTIONS"]
        );
        assert!(unquote_list("''").is_empty());
    }
}
