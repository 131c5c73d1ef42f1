//! The API-key authorizer Lambda function (HTTP API, payload 2.0, simple responses); the
//! logic is in lib.rs.
use authorizer::{Authorizer, Settings};
use lambda_runtime::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // The functions' log set-up: dependencies (the runtime, the AWS SDK) held at INFO at most,
    // whatever LogLevel asks, so no event, key or signed request reaches a log line.
    shared::telemetry::init();
    // Built once per container. No network here: the Secrets Manager client is made, and
    // the secret read, on the first request.
    let authorizer = Authorizer::new(Settings::from_env()?);
    run(service_fn(|event| authorizer.handle(event))).await
}
