//! `migrate`: applies the database migrations. CloudFormation calls it on every deploy as the
//! `Custom::DatabaseMigrations` resource; an operator can invoke it by hand with any event.
//! The request functions never migrate at start.
use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use shared::AppState;
use shared::settings::DatabaseSettings;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    shared::telemetry::init();
    run(service_fn(|event: LambdaEvent<serde_json::Value>| {
        // The database is opened per invocation: a Delete must succeed even when the
        // configuration is broken, or the stack could never be removed.
        migrate::handle(
            event.payload,
            || {
                let mut settings = DatabaseSettings::from_env().map_err(|error| error.to_string())?;
                // A migration may rebuild a large table: the requests' statement timeout is not for it.
                settings.pool.statement_timeout = None;
                AppState::from_settings(&settings).map(|state| state.store).map_err(|error| error.to_string())
            },
            migrate::AWS_RESPONSE_URLS,
        )
    }))
    .await
}
