//! AWS SAM and CloudFormation templates read into a deployment [`Plan`].
//!
//! A template (YAML with CloudFormation's short-form tags, or JSON) is parsed into a JSON value with the long
//! forms; its parameters get values (overrides in `--parameter-overrides` syntax,
//! [`parse_overrides`], else defaults), its conditions are evaluated, SAM's `Globals` are merged into each
//! resource, resources get their physical names (`FunctionName`, or `<stack>-<LogicalId>-<SUFFIX>` with a suffix
//! stable across deploys), and then every property the plan uses is evaluated: `Ref`, `Fn::Sub`, `Fn::GetAtt`,
//! `Fn::Join`, `Fn::If`, `Fn::Select`, `Fn::Split`, `Fn::Base64`, `Fn::FindInMap`, … The plan lists functions,
//! layers, API Gateway APIs with their routes, events it does not carry out, and resources lambkin does not
//! create.
//!
//! Pure: no I/O (local code paths are joined to the template's directory, never read), no store, no HTTP, no
//! Lambda API. Turning a plan into API calls and routes is its callers' job.

mod apis;
mod build;
mod conditions;
mod error;
mod eval;
mod fields;
mod functions;
mod globals;
mod names;
mod overrides;
mod params;
mod plan;
mod yaml;

#[cfg(test)]
mod tests;

pub use build::Options;
pub use error::SamError;
pub use overrides::parse_overrides;
pub use plan::{
    Api, ApiKind, Authorizer, AuthorizerKind, AuthorizerRequest, Code, Cors, DurableConfig,
    EventInvokeConfig, Function, FunctionUrlConfig, Identity, ImageConfig, LambdaAuthorizer, Layer,
    LayerRef, LoggingConfig, PayloadFormat, Plan, Route, RouteAuth, UnhandledEvent, Unsupported,
};

/// A template's plan for `options`: its text (JSON when it starts with `{`, YAML otherwise) parsed into a JSON
/// value in which CloudFormation's short-form tags are long forms (`!Sub x` → `{"Fn::Sub": "x"}`), then planned.
pub fn plan(text: &str, options: &Options) -> Result<Plan, SamError> {
    build::plan(&yaml::parse(text)?, options)
}
