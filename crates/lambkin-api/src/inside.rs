//! The Lambda API as functions see it from inside their environment: the engine hands over each call its init
//! forwarded (`lambkin_engine::InsideApi`), and it runs through the same routes and operations as any request,
//! scoped to what the calling function may do — its own durable executions (checkpoints, state, the execution
//! and its history: `CheckpointDurableExecution`, `GetDurableExecutionState`, `GetDurableExecution`,
//! `GetDurableExecutionHistory`), callbacks, and invoking functions (what Lambda functions commonly do with their
//! execution role). Anything else is `AccessDeniedException`, as an execution role without the permission would
//! have it.

use std::sync::{Arc, Weak};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use http_body_util::{BodyExt, Limited};
use lambkin_engine::inside::MAX_ANSWER_BODY;
use lambkin_engine::{ApiAnswer, ApiCall, ApiFuture, InsideApi, InsideCaller};

use crate::error::{ApiError, ApiResult};
use crate::names::Arns;
use crate::operation::Operation;
use crate::service::Service;

/// The service's answer to calls from inside environments (the engine bounds each environment's calls in
/// flight).
pub(crate) struct Inside {
    service: Weak<Service>,
}

impl Inside {
    /// Answers for `service` (held weakly: the engine that calls it belongs to the service).
    pub(crate) fn new(service: &Arc<Service>) -> Arc<Inside> {
        Arc::new(Inside {
            service: Arc::downgrade(service),
        })
    }
}

impl InsideApi for Inside {
    fn call(&self, caller: InsideCaller, call: ApiCall) -> ApiFuture {
        let service = self.service.upgrade();
        Box::pin(async move {
            match service {
                None => ApiAnswer::error(503, "ServiceException", "lambkin is stopping."),
                Some(service) => answer(&service, caller, call).await,
            }
        })
    }
}

async fn answer(service: &Arc<Service>, caller: InsideCaller, call: ApiCall) -> ApiAnswer {
    let Ok(method) = Method::from_bytes(call.method.as_bytes()) else {
        return ApiAnswer::error(400, "InvalidRequestContentException", "Unknown method.");
    };
    let mut headers = HeaderMap::new();
    for (k, v) in &call.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v)) {
            headers.append(k, v);
        }
    }
    let arns = Arns {
        region: caller.region.clone(),
        account: caller.account_id.clone(),
    };
    let response = crate::routes::handle_inside(
        service,
        arns,
        method,
        &call.target,
        headers,
        call.body,
        |op| scope(&caller, op),
    )
    .await;
    read(response).await
}

/// A response as the answer to a call: its body read no further than can cross the channel
/// (`ApiAnswer::fitted`), as a streamed one (InvokeWithResponseStream) can be of any length.
async fn read(response: lambkin_respond::FrontResponse) -> ApiAnswer {
    let (parts, body) = response.into_parts();
    let body = match Limited::new(body, MAX_ANSWER_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return ApiAnswer::error(
                500,
                "ServiceException",
                &format!(
                    "The response exceeds the {MAX_ANSWER_BODY} bytes a call from inside a function can receive."
                ),
            );
        }
        Err(e) => {
            return ApiAnswer::error(
                500,
                "ServiceException",
                &format!("The response could not be read: {e}"),
            )
        }
    };
    ApiAnswer {
        status: parts.status.as_u16(),
        headers: crate::request::header_pairs(&parts.headers),
        body,
    }
}

/// What a function may do from inside: its own durable executions, callbacks, invokes.
fn scope(caller: &InsideCaller, op: &Operation) -> ApiResult<()> {
    use Operation as O;
    let own = |arn: &str| {
        lambkin_durable::execution::parse_arn(arn).is_some_and(|(region, account, function, ..)| {
            region == caller.region
                && account == caller.account_id
                && function == caller.function_name
        })
    };
    let (allowed, resource) = match op {
        O::CheckpointDurableExecution(c)
        | O::GetDurableExecutionState(c)
        | O::GetDurableExecution(c)
        | O::GetDurableExecutionHistory(c) => (own(&c.target), c.target.clone()),
        O::SendDurableExecutionCallbackSuccess(_)
        | O::SendDurableExecutionCallbackFailure(_)
        | O::SendDurableExecutionCallbackHeartbeat(_)
        | O::Invoke(_)
        | O::InvokeAsync(_)
        | O::InvokeWithResponseStream(_) => (true, String::new()),
        _ => (false, String::new()),
    };
    if allowed {
        return Ok(());
    }
    let resource = if resource.is_empty() {
        format!(
            "arn:aws:lambda:{}:{}:function:*",
            caller.region, caller.account_id
        )
    } else {
        resource
    };
    let action = op.name();
    Err(ApiError::new(
        http::StatusCode::FORBIDDEN,
        "AccessDeniedException",
        format!(
            "User: arn:aws:sts::{}:assumed-role/{}-role/{} is not authorized to perform: lambda:{action} on resource: {resource} because no identity-based policy allows the lambda:{action} action",
            caller.account_id, caller.function_name, caller.function_name
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_streamed_answer_is_read_no_further_than_the_channel_carries() {
        let (tx, body) = lambkin_respond::ChannelBody::new(4);
        let feeding = tokio::spawn(async move {
            let chunk = bytes::Bytes::from(vec![b'x'; 1 << 20]);
            // Endless unless the reader stops.
            while tx.send(chunk.clone()).await.is_ok() {}
        });
        let response = http::Response::new(http_body_util::Either::Right(body));
        let answer = read(response).await;
        assert_eq!(answer.status, 500);
        assert!(answer
            .headers
            .iter()
            .any(|(k, v)| k == "x-amzn-ErrorType" && v == "ServiceException"));
        feeding
            .await
            .expect("the feeder stops once the body is dropped");

        let small = http::Response::new(lambkin_respond::full("{}"));
        let answer = read(small).await;
        assert_eq!((answer.status, &answer.body[..]), (200, &b"{}"[..]));
    }
}
