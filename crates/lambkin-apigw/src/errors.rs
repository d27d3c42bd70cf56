//! API Gateway's own answers: when no route matches, an authorizer refuses, or the integration fails. REST
//! APIs name the error in `x-amzn-ErrorType`; HTTP APIs do not.

use http::{HeaderValue, StatusCode};
use serde_json::{json, Value};

use crate::config::ApiKind;
use crate::Response;

/// An answer API Gateway gives itself, without (or instead of) the function's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayError {
    /// No route: REST 403 `Missing Authentication Token`, HTTP 404 `Not Found`.
    NoRoute,
    /// An identity source is missing, or the authorizer failed with `Unauthorized`: 401.
    Unauthorized,
    /// The authorizer denied: REST 403 `User is not authorized to access this resource`, HTTP 403 `Forbidden`.
    Denied,
    /// The authorizer failed, or answered in no shape API Gateway reads: 500.
    AuthorizerFailed,
    /// The function failed, or answered in no shape API Gateway reads: REST 502 `Internal server error`,
    /// HTTP 500 `Internal Server Error`.
    BadIntegrationResponse,
    /// Lambda refused the invoke (throttled, no such function): REST 500 `Internal server error`, HTTP 500
    /// `Internal Server Error`.
    InvokeFailed,
    /// The integration did not answer in time: REST 504 `Endpoint request timed out`, HTTP 503
    /// `Service Unavailable`.
    Timeout,
}

impl GatewayError {
    /// The status, JSON body and REST error type.
    fn parts(self, kind: ApiKind) -> (StatusCode, Value, Option<&'static str>) {
        let rest = kind == ApiKind::Rest;
        match self {
            GatewayError::NoRoute if rest => (
                StatusCode::FORBIDDEN,
                json!({"message": "Missing Authentication Token"}),
                Some("MissingAuthenticationTokenException"),
            ),
            GatewayError::NoRoute => (StatusCode::NOT_FOUND, json!({"message": "Not Found"}), None),
            GatewayError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                json!({"message": "Unauthorized"}),
                Some("UnauthorizedException"),
            ),
            GatewayError::Denied if rest => (
                StatusCode::FORBIDDEN,
                json!({"message": "User is not authorized to access this resource"}),
                Some("AccessDeniedException"),
            ),
            GatewayError::Denied => (StatusCode::FORBIDDEN, json!({"message": "Forbidden"}), None),
            GatewayError::AuthorizerFailed if rest => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"message": null}),
                Some("AuthorizerConfigurationException"),
            ),
            GatewayError::AuthorizerFailed => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"message": "Internal Server Error"}),
                None,
            ),
            GatewayError::BadIntegrationResponse | GatewayError::InvokeFailed if !rest => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"message": "Internal Server Error"}),
                None,
            ),
            GatewayError::Timeout if !rest => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"message": "Service Unavailable"}),
                None,
            ),
            GatewayError::BadIntegrationResponse => (
                StatusCode::BAD_GATEWAY,
                json!({"message": "Internal server error"}),
                Some("InternalServerErrorException"),
            ),
            GatewayError::InvokeFailed => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"message": "Internal server error"}),
                Some("InternalServerErrorException"),
            ),
            GatewayError::Timeout => (
                StatusCode::GATEWAY_TIMEOUT,
                json!({"message": "Endpoint request timed out"}),
                None,
            ),
        }
    }

    /// The answer of an API of `kind`.
    pub fn response(self, kind: ApiKind) -> Response {
        let (status, body, error_type) = self.parts(kind);
        let mut r = http::Response::new(body.to_string().into_bytes());
        *r.status_mut() = status;
        let h = r.headers_mut();
        h.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let (ApiKind::Rest, Some(t)) = (kind, error_type) {
            h.insert("x-amzn-errortype", HeaderValue::from_static(t));
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Response) -> Value {
        serde_json::from_slice(r.body()).expect("json")
    }

    #[test]
    fn no_route() {
        let r = GatewayError::NoRoute.response(ApiKind::Rest);
        assert_eq!(r.status(), 403);
        assert_eq!(body(&r), json!({"message": "Missing Authentication Token"}));
        assert_eq!(
            r.headers()["x-amzn-ErrorType"],
            "MissingAuthenticationTokenException"
        );
        assert_eq!(r.headers()["content-type"], "application/json");
        let r = GatewayError::NoRoute.response(ApiKind::Http);
        assert_eq!(r.status(), 404);
        assert_eq!(body(&r), json!({"message": "Not Found"}));
        assert!(r.headers().get("x-amzn-errortype").is_none());
    }

    #[test]
    fn authorizer_answers() {
        let r = GatewayError::Denied.response(ApiKind::Rest);
        assert_eq!(r.status(), 403);
        assert_eq!(
            body(&r),
            json!({"message": "User is not authorized to access this resource"})
        );
        let r = GatewayError::Denied.response(ApiKind::Http);
        assert_eq!(
            (r.status().as_u16(), body(&r)),
            (403, json!({"message": "Forbidden"}))
        );
        for kind in [ApiKind::Rest, ApiKind::Http] {
            let r = GatewayError::Unauthorized.response(kind);
            assert_eq!(
                (r.status().as_u16(), body(&r)),
                (401, json!({"message": "Unauthorized"}))
            );
        }
        let r = GatewayError::AuthorizerFailed.response(ApiKind::Rest);
        assert_eq!(
            (r.status().as_u16(), body(&r)),
            (500, json!({"message": null}))
        );
    }

    #[test]
    fn integration_failures() {
        let r = GatewayError::BadIntegrationResponse.response(ApiKind::Rest);
        assert_eq!(
            (r.status().as_u16(), body(&r)),
            (502, json!({"message": "Internal server error"}))
        );
        let r = GatewayError::Timeout.response(ApiKind::Rest);
        assert_eq!(
            (r.status().as_u16(), body(&r)),
            (504, json!({"message": "Endpoint request timed out"}))
        );
        let r = GatewayError::InvokeFailed.response(ApiKind::Rest);
        assert_eq!(
            (r.status().as_u16(), body(&r)),
            (500, json!({"message": "Internal server error"}))
        );
    }

    #[test]
    fn http_integration_failures() {
        for e in [
            GatewayError::BadIntegrationResponse,
            GatewayError::InvokeFailed,
        ] {
            let r = e.response(ApiKind::Http);
            assert_eq!(
                (r.status().as_u16(), body(&r)),
                (500, json!({"message": "Internal Server Error"})),
                "{e:?}"
            );
            assert!(r.headers().get("x-amzn-errortype").is_none());
        }
        let r = GatewayError::Timeout.response(ApiKind::Http);
        assert_eq!(
            (r.status().as_u16(), body(&r)),
            (503, json!({"message": "Service Unavailable"}))
        );
    }
}
