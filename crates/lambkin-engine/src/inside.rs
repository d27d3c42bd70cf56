//! The Lambda API inside environments (`AWS_ENDPOINT_URL_LAMBDA`): the init of each environment serves it on the
//! environment's own loopback and forwards every request over the control channel; here it reaches the
//! service's [`InsideApi`] with the [`InsideCaller`] the channel identifies. The engine decides nothing about a
//! call but how many of one environment may be in flight ([`MAX_CALLS_PER_ENVIRONMENT`]): what the caller may
//! do is the service's to scope.
//!
//! Without an `InsideApi` ([`crate::Engine::set_inside_api`]), environments get no endpoint (and no
//! credentials): `lambkin rie` is unchanged.

use std::sync::Arc;

use lambkin_wire::client::ApiHandler;
pub use lambkin_wire::inside::{ApiFuture, MAX_ANSWER_BODY};
pub use lambkin_wire::{ApiAnswer, ApiCall};
use tokio::sync::Semaphore;

/// Who makes a call: the function version of the environment it came from. Known from the channel it came
/// on, never from what the request says (the init forwards only calls that carry the environment's session
/// token; their signatures are not checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsideCaller {
    /// The function's name.
    pub function_name: String,
    /// `$LATEST` or a published version number.
    pub version: String,
    /// The function's region.
    pub region: String,
    /// The function's account id.
    pub account_id: String,
    /// The environment's id (as `Engine::environments` shows it).
    pub environment: String,
}

/// Answers Lambda API calls made from inside an environment. Called in a task of the call's own; calls may
/// arrive at any time from the environment's init phase on, several at once (up to
/// [`MAX_CALLS_PER_ENVIRONMENT`] of one environment), during an invoke or not.
pub trait InsideApi: Send + Sync + 'static {
    /// Answers one call (an HTTP request as the function's SDK made it, hop-by-hop headers aside).
    fn call(&self, caller: InsideCaller, call: ApiCall) -> ApiFuture;
}

/// Calls one environment may have in flight at once (each may hold a body of up to 7 MiB); more are answered
/// `429 TooManyRequestsException` at once.
pub const MAX_CALLS_PER_ENVIRONMENT: usize = 64;

/// The handler one environment's channel answers its calls with: each holds one of the environment's
/// [`MAX_CALLS_PER_ENVIRONMENT`] places until its answer is made.
pub(crate) fn handler(api: Arc<dyn InsideApi>, caller: InsideCaller) -> ApiHandler {
    let places = Arc::new(Semaphore::new(MAX_CALLS_PER_ENVIRONMENT));
    Arc::new(move |call| {
        let Ok(place) = places.clone().try_acquire_owned() else {
            return Box::pin(std::future::ready(ApiAnswer::error(
                429,
                "TooManyRequestsException",
                "Rate exceeded: too many Lambda API calls in flight from this environment.",
            )));
        };
        let answer = api.call(caller.clone(), call);
        Box::pin(async move {
            let answer = answer.await;
            drop(place);
            answer
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers 200 once its call is let go.
    struct Held(tokio::sync::watch::Receiver<bool>);

    impl InsideApi for Held {
        fn call(&self, _: InsideCaller, _: ApiCall) -> ApiFuture {
            let mut go = self.0.clone();
            Box::pin(async move {
                let _ = go.wait_for(|&go| go).await;
                ApiAnswer {
                    status: 200,
                    headers: Vec::new(),
                    body: bytes::Bytes::new(),
                }
            })
        }
    }

    #[tokio::test]
    async fn an_environment_has_at_most_64_calls_in_flight() {
        let (go, held) = tokio::sync::watch::channel(false);
        let caller = InsideCaller {
            function_name: "f".into(),
            version: "$LATEST".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            environment: "e".into(),
        };
        let handle = handler(Arc::new(Held(held)), caller);
        let call = || ApiCall {
            method: "GET".into(),
            target: "/".into(),
            headers: Vec::new(),
            body: bytes::Bytes::new(),
        };
        let mut in_flight: Vec<_> = (0..MAX_CALLS_PER_ENVIRONMENT)
            .map(|_| handle(call()))
            .collect();
        let refused = handle(call()).await;
        assert_eq!(refused.status, 429);
        assert!(refused
            .headers
            .iter()
            .any(|(k, v)| k == "x-amzn-ErrorType" && v == "TooManyRequestsException"));
        // A call that ends gives its place back.
        drop(in_flight.pop());
        let again = handle(call());
        go.send(true).expect("send");
        assert_eq!(again.await.status, 200);
        for answer in in_flight {
            assert_eq!(answer.await.status, 200);
        }
    }
}
