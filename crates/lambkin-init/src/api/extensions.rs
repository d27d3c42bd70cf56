//! Extensions API handlers (`/2020-01-01/extension/...`, spec §4).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde::Deserialize;

use super::{accepted, error, header_str, json, next_in_generation, ApiResponse};
use crate::core::{Core, Extension, Shared};
use crate::model::{go_json, MAX_EXTENSIONS};
use crate::state::{extension_transition_error, ExtensionState};

#[derive(Deserialize)]
struct RegisterBody {
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(rename = "configurationKeys", default)]
    configuration_keys: Option<Vec<String>>,
}

fn invalid_format(message: &str) -> ApiResponse {
    error(StatusCode::FORBIDDEN, "InvalidRequestFormat", message)
}

/// `POST /extension/register`.
pub async fn register(shared: &Arc<Shared>, req: Request<Incoming>) -> ApiResponse {
    let name = header_str(&req, "Lambda-Extension-Name")
        .unwrap_or("")
        .trim()
        .to_owned();
    let wants_account = header_str(&req, "Lambda-Extension-Accept-Feature")
        .map(|v| v.split(',').any(|f| f.trim() == "accountId"))
        .unwrap_or(false);
    if name.is_empty() {
        return error(
            StatusCode::FORBIDDEN,
            "Extension.InvalidExtensionName",
            "Empty extension name",
        );
    }
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return invalid_format(&e.to_string()),
    };
    let parsed: RegisterBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) if body.is_empty() => {
            return invalid_format(if e.is_eof() { "EOF" } else { "invalid JSON" })
        }
        Err(e) => return invalid_format(&e.to_string()),
    };
    if parsed
        .configuration_keys
        .as_ref()
        .is_some_and(|k| !k.is_empty())
    {
        return invalid_format(
            "configurationKeys are deprecated; use environment variables instead",
        );
    }
    let events = parsed.events.unwrap_or_default();
    let result = shared.update(|c| {
        let closed = c.registration_closed;
        let count = c.extensions.len();
        if let Some(ext) = c
            .extensions
            .iter_mut()
            .find(|e| e.external && e.name == name)
        {
            if ext.state != ExtensionState::Started {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "Extension.InvalidExtensionState",
                    &extension_transition_error(ext.state, "Registered", &name),
                ));
            }
            let (invoke, shutdown) = validate_events(&events, true)?;
            ext.state = ExtensionState::Registered;
            ext.invoke = invoke;
            ext.shutdown = shutdown;
            return Ok(ext.id.clone());
        }
        if closed {
            return Err(error(
                StatusCode::FORBIDDEN,
                "Extension.RegistrationClosed",
                "Extension registration closed already",
            ));
        }
        if c.extensions.iter().any(|e| e.name == name) {
            return Err(error(
                StatusCode::FORBIDDEN,
                "Extension.InvalidExtensionState",
                "Extension with this name already registered",
            ));
        }
        if count >= MAX_EXTENSIONS {
            return Err(error(
                StatusCode::FORBIDDEN,
                "Extension.TooManyExtensions",
                &format!("Extension limit ({MAX_EXTENSIONS}) reached"),
            ));
        }
        let (invoke, shutdown) = validate_events(&events, false)?;
        let id = uuid::Uuid::new_v4().to_string();
        c.extensions.push(Extension {
            id: id.clone(),
            name: name.clone(),
            external: false,
            state: ExtensionState::Registered,
            invoke,
            shutdown,
            pending: None,
            pid: None,
            exit: None,
            reported_error: None,
        });
        Ok(id)
    });
    let id = match result {
        Ok(id) => id,
        Err(r) => return r,
    };
    let cfg = &shared.cfg;
    let mut body = serde_json::json!({
        "functionName": cfg.function_name,
        "functionVersion": cfg.function_version,
        "handler": cfg.handler,
    });
    if wants_account && !cfg.account_id.is_empty() {
        body["accountId"] = serde_json::json!(cfg.account_id);
    }
    let mut r = json(StatusCode::OK, go_json(&body));
    if let Ok(v) = HeaderValue::from_str(&id) {
        r.headers_mut().insert("Lambda-Extension-Identifier", v);
    }
    r
}

/// Checks the events an extension subscribes to; returns (INVOKE, SHUTDOWN).
fn validate_events(events: &[String], external: bool) -> Result<(bool, bool), ApiResponse> {
    let mut invoke = false;
    let mut shutdown = false;
    for ev in events {
        match ev.as_str() {
            "INVOKE" => invoke = true,
            "SHUTDOWN" if external => shutdown = true,
            "SHUTDOWN" => {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "Extension.InvalidEventType",
                    "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension",
                ))
            }
            other => {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "Extension.InvalidEventType",
                    &format!("{other}: ErrorInvalidEventType"),
                ))
            }
        }
    }
    Ok((invoke, shutdown))
}

/// Validates the `Lambda-Extension-Identifier` header's presence and shape.
pub fn extension_id(req: &Request<Incoming>) -> Result<String, ApiResponse> {
    let Some(id) = header_str(req, "Lambda-Extension-Identifier") else {
        return Err(error(
            StatusCode::FORBIDDEN,
            "Extension.MissingExtensionIdentifier",
            "Missing Lambda-Extension-Identifier header",
        ));
    };
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(error(
            StatusCode::FORBIDDEN,
            "Extension.InvalidExtensionIdentifier",
            "Invalid Lambda-Extension-Identifier",
        ));
    }
    Ok(id.to_owned())
}

/// `GET /extension/event/next`.
pub async fn next(shared: &Arc<Shared>, req: Request<Incoming>) -> ApiResponse {
    let id = match extension_id(&req) {
        Ok(id) => id,
        Err(r) => return r,
    };
    enum Step {
        Deliver((Bytes, bool)),
        Wait(u64),
    }
    let step = shared.update(|c| {
        let generation = c.generation;
        let Some(ext) = c.extension_mut(&id) else {
            return Err(error(
                StatusCode::FORBIDDEN,
                "Extension.UnknownExtensionIdentifier",
                &format!("Unknown extension {id}"),
            ));
        };
        match ext.state {
            ExtensionState::Registered | ExtensionState::Running | ExtensionState::Ready => {
                ext.state = ExtensionState::Ready;
            }
            other => {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "Extension.InvalidExtensionState",
                    &extension_transition_error(other, "Ready", &id),
                ))
            }
        }
        Ok(match ext.pending.take() {
            Some(ev) => {
                ext.state = ExtensionState::Running;
                Step::Deliver(ev)
            }
            None => Step::Wait(generation),
        })
    });
    let event = match step {
        Err(r) => return r,
        Ok(Step::Deliver(ev)) => ev,
        Ok(Step::Wait(generation)) => {
            let pending = |c: &mut Core| {
                let ext = c.extension_mut(&id)?;
                let ev = ext.pending.take()?;
                ext.state = ExtensionState::Running;
                Some(ev)
            };
            match next_in_generation(shared, generation, pending).await {
                Ok(ev) => ev,
                Err(r) => return r,
            }
        }
    };
    render_event(event)
}

fn render_event((body, is_shutdown): (Bytes, bool)) -> ApiResponse {
    let mut r = Response::new(Full::new(body));
    let h = r.headers_mut();
    if is_shutdown {
        // RAPID writes SHUTDOWN without a content type; Go then sniffs this one.
        h.insert(
            "Content-Type",
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
    } else {
        h.insert("Content-Type", HeaderValue::from_static("application/json"));
        if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            h.insert("Lambda-Extension-Event-Identifier", v);
        }
    }
    r
}

/// `POST /extension/init/error` (`exit == false`) and `POST /extension/exit/error` (`exit == true`).
pub async fn report_error(shared: &Arc<Shared>, req: Request<Incoming>, exit: bool) -> ApiResponse {
    let id = match extension_id(&req) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(error_type) =
        header_str(&req, "Lambda-Extension-Function-Error-Type").map(str::to_owned)
    else {
        return error(
            StatusCode::FORBIDDEN,
            "Extension.MissingHeader",
            "Lambda-Extension-Function-Error-Type not found",
        );
    };
    // The body is optional and, as in RAPID, not used.
    let _ = req.into_body().collect().await;
    shared.update(|c| {
        let Some(ext) = c.extension_mut(&id) else {
            return error(
                StatusCode::FORBIDDEN,
                "Extension.UnknownExtensionIdentifier",
                "Unknown Lambda-Extension-Identifier",
            );
        };
        let (allowed, target, to) = if exit {
            (
                matches!(
                    ext.state,
                    ExtensionState::Registered
                        | ExtensionState::Ready
                        | ExtensionState::Running
                        | ExtensionState::ExitError
                ),
                "Exited",
                ExtensionState::ExitError,
            )
        } else {
            (
                matches!(
                    ext.state,
                    ExtensionState::Registered | ExtensionState::InitError
                ),
                "InitError",
                ExtensionState::InitError,
            )
        };
        if !allowed {
            return error(
                StatusCode::FORBIDDEN,
                "Extension.InvalidExtensionState",
                &extension_transition_error(ext.state, target, &id),
            );
        }
        ext.state = to;
        ext.reported_error.get_or_insert(error_type);
        accepted()
    })
}
