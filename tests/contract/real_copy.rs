//! CONTRACT 5: the API reads a real copy of MitACD, whatever widths its columns were given.
//! Beside our migrations' DDL (MitACD's types as AWS DMS replicates them), a hand-written one
//! (`integer` for tinyint, `text` for every varchar, `timestamptz` for datetime) holding the
//! same demo rows serves the same bytes on every route, and takes the same writes.

use shared::http::routes;
use shared::schema::TABLES;
use shared::store::rows::{self, OnConflict};

use crate::support::{Event, TestApi, every_demo_response};

const BY_HAND: &str = include_str!("fixtures/mitacd-by-hand.postgres.sql");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_written_copy_with_wider_columns_serves_the_same_bytes() {
    let Some(ours) = TestApi::postgres().await else { return };
    let by_hand = TestApi::postgres_unseeded().await.expect("PostgreSQL is configured");
    by_hand.execute(BY_HAND).await;
    let demo = shared::demo::DemoData::load();
    for table in TABLES {
        rows::write(by_hand.state.db(), table, &demo.rows(table).unwrap(), OnConflict::Keep).await.unwrap();
    }
    let (expected, served) = (every_demo_response(&ours.state).await, every_demo_response(&by_hand.state).await);
    assert_eq!(expected.len(), served.len());
    for (expected, served) in expected.iter().zip(&served) {
        assert_eq!(served, expected);
    }

    // The POST's upsert writes into the wider columns too, and reads back the same.
    for api in [&ours, &by_hand] {
        let reply = api.invoke(&routes::PUT_OUTGOING_PARAMETERS, &Event::load("put-outgoing-parameters")).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    assert_eq!(outgoing(&by_hand).await, outgoing(&ours).await);
}

async fn outgoing(api: &TestApi) -> String {
    api.invoke(&routes::GET_OUTGOING_PARAMETERS, &Event::load("get-outgoing-parameters")).await.body
}
