//! `PUT /2020-08-15/logs` and `PUT /2022-07-01/telemetry` (spec §6).

use std::sync::Arc;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use super::extensions::extension_id;
use super::{error, json, ApiResponse};
use crate::core::Shared;
use crate::telemetry::{parse_subscription, Api, Event, Platform, Record, SubscribeError};

/// Subscribes the calling extension to one of the two APIs.
pub async fn subscribe(shared: &Arc<Shared>, req: Request<Incoming>, api: Api) -> ApiResponse {
    let id = match extension_id(&req) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let Some(name) = shared.read(|c| {
        c.extensions
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.name.clone())
    }) else {
        return error(
            StatusCode::FORBIDDEN,
            "Extension.UnknownExtensionIdentifier",
            &format!("Unknown extension {id}"),
        );
    };
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return validation(api, &e.to_string()),
    };
    let sub = match parse_subscription(api, &body) {
        Ok(s) => s,
        Err(msg) => return validation(api, &msg),
    };
    let type_names = sub.type_names.clone();
    match shared.telemetry.subscribe(&id, sub) {
        Ok(()) => {
            shared
                .telemetry
                .emit(Event::now(Record::Platform(Platform::Subscription {
                    api,
                    name,
                    types: type_names,
                })));
            json(StatusCode::OK, Bytes::from_static(b"\"OK\""))
        }
        Err(SubscribeError::Invalid(msg)) => validation(api, &msg),
        Err(SubscribeError::Closed) => error(
            StatusCode::FORBIDDEN,
            &format!("{}.SubscriptionClosed", api.name()),
            &format!("{} API subscription is closed", api.name()),
        ),
    }
}

fn validation(api: Api, message: &str) -> ApiResponse {
    let error_type = match api {
        Api::Logs => "Logs.ValidationError",
        Api::Telemetry => "ValidationError",
    };
    error(StatusCode::BAD_REQUEST, error_type, message)
}
