//! The APIs served on `--api-listen` as `Service` holds them: each API's rules with the Lambda authorizer
//! answers it keeps for their `ReauthorizeEvery`. A leaf: `apis.rs` builds and serves them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many authorizer answers one API keeps at most; past it, expired answers are dropped first and new
/// answers are not kept until there is room (the authorizer is invoked instead).
const KEPT_ANSWERS_MAX: usize = 10_000;

/// An API served, with the authorizer answers it keeps for their `ReauthorizeEvery` (a rebuild, after a
/// deploy that may change the authorizers, starts with none).
pub(crate) struct Served {
    /// The API's rules.
    pub(crate) api: lambkin_apigw::Api,
    /// An authorizer call's cache key → when its answer expires, and the answer.
    answers: Mutex<HashMap<String, (Instant, Vec<u8>)>>,
}

impl Served {
    /// An API with no answers kept yet.
    pub(crate) fn new(api: lambkin_apigw::Api) -> Self {
        Self {
            api,
            answers: Mutex::default(),
        }
    }

    /// The answer kept under `key`, while it is fresh.
    pub(crate) fn kept(&self, key: &str) -> Option<Vec<u8>> {
        let answers = self
            .answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        answers
            .get(key)
            .filter(|(expires, _)| *expires > Instant::now())
            .map(|(_, answer)| answer.clone())
    }

    /// Keeps an authorizer's answer under `key` for `ttl_seconds`.
    pub(crate) fn keep(&self, key: &str, ttl_seconds: u32, answer: &[u8]) {
        let now = Instant::now();
        let mut answers = self
            .answers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if answers.len() >= KEPT_ANSWERS_MAX {
            answers.retain(|_, (expires, _)| *expires > now);
            if answers.len() >= KEPT_ANSWERS_MAX {
                return;
            }
        }
        let expires = now + Duration::from_secs(u64::from(ttl_seconds));
        answers.insert(key.to_owned(), (expires, answer.to_vec()));
    }
}
