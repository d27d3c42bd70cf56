//! `echo-function`: the smallest useful Lambda function, built on the real AWS
//! `lambda_runtime` crate. It returns the incoming event unchanged.
//!
//! This is the README's quick-start example and the function the benchmarks invoke.
//! Run it under `lambkin rie`, or by hand against any Runtime API:
//!
//! ```sh
//! AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 AWS_LAMBDA_FUNCTION_NAME=echo \
//!   AWS_LAMBDA_FUNCTION_VERSION='$LATEST' AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 \
//!   target/debug/echo-function
//! ```

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(echo)).await
}
