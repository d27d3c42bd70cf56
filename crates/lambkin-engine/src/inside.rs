//! The Lambda API inside environments (`AWS_ENDPOINT_URL_LAMBDA`): the init of each environment serves it on the
//! environment's own loopback and forwards every request over the control channel; here it reaches the
//! service's [`InsideApi`] with the [`InsideCaller`] the channel identifies. The engine decides nothing about a
//! call: what the caller may do is the service's to scope.
//!
//! Without an `InsideApi` ([`crate::Engine::set_inside_api`]), environments get no endpoint (and no
//! credentials): `lambkin rie` is unchanged.

use std::sync::Arc;

use lambkin_wire::client::ApiHandler;
pub use lambkin_wire::inside::{ApiFuture, MAX_ANSWER_BODY};
pub use lambkin_wire::{ApiAnswer, ApiCall};

/// Who makes a call: the function version of the environment it came from. Known from the channel it came
/// on, never from what the request says (its credentials are not checked).
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
/// arrive at any time from the environment's init phase on, several at once, during an invoke or not.
pub trait InsideApi: Send + Sync + 'static {
    /// Answers one call (an HTTP request as the function's SDK made it, hop-by-hop headers aside).
    fn call(&self, caller: InsideCaller, call: ApiCall) -> ApiFuture;
}

/// The handler one environment's channel answers its calls with.
pub(crate) fn handler(api: Arc<dyn InsideApi>, caller: InsideCaller) -> ApiHandler {
    Arc::new(move |call| api.call(caller.clone(), call))
}
