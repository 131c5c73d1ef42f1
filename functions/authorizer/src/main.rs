//! The API-key authorizer Lambda function (HTTP API, payload 2.0, simple responses); the
//! logic is in lib.rs.
use authorizer::{Authorizer, Settings};
use lambda_runtime::{Error, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Built once per container. No network here: the Secrets Manager client is made, and
    // the secret read, on the first request.
    let authorizer = Authorizer::new(Settings::from_env()?);
    run(service_fn(|event| authorizer.handle(event))).await
}
