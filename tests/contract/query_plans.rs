//! CONTRACT 5: every lookup is an index lookup, so response time does not grow with table
//! size. Checked on PostgreSQL with EXPLAIN: with sequential scans priced out, a query that
//! still plans a `Seq Scan` has no index to use.

use shared::store::Statements;
use sqlx::PgConnection;

use crate::support::TestApi;

#[tokio::test]
async fn every_routes_query_is_an_index_lookup_on_postgres() {
    let Some(api) = TestApi::postgres().await else { return };
    let shared::db::Database::Postgres(pool, _) = api.state.db() else { unreachable!() };
    let mut connection = pool.acquire().await.unwrap();
    assert_index_lookups(&mut connection, api.state.store.statements()).await;
}

/// EXPLAINs every statement of `sql` on `connection` with sequential scans priced out, and
/// fails on any plan that still scans a table (the Babelfish layout's test uses it too).
pub async fn assert_index_lookups(connection: &mut PgConnection, sql: &Statements) {
    sqlx::query("SET enable_seqscan = off").execute(&mut *connection).await.unwrap();
    let explain = |sql: &str| format!("EXPLAIN {sql}");
    let mut plans = Vec::new();
    for (route, sql, id) in [
        ("get-agent", sql.find_agent(), 8),
        ("get-campaign", sql.find_campaign(), 2),
        ("get-outgoing-parameters", sql.list_outgoing(), 812),
        ("get-incoming-parameters", sql.list_incoming(), 812),
    ] {
        let plan: Vec<String> = sqlx::query_scalar(&explain(sql)).bind(id).fetch_all(&mut *connection).await.unwrap();
        plans.push((route, plan));
    }
    for (route, sql) in
        [("get-interaction", sql.find_interaction()), ("get-full-interaction", sql.find_full_interaction())]
    {
        let plan: Vec<String> = sqlx::query_scalar(&explain(sql))
            .bind("210614222408193_ACD_00001")
            .fetch_all(&mut *connection)
            .await
            .unwrap();
        plans.push((route, plan));
    }
    let upsert: Vec<String> = sqlx::query_scalar(&explain(sql.upsert_outgoing()))
        .bind(vec![812_i32])
        .bind(vec!["k"])
        .bind(vec!["v"])
        .fetch_all(&mut *connection)
        .await
        .unwrap();
    plans.push(("put-outgoing-parameters", upsert));

    for (route, plan) in &plans {
        let text = plan.join("\n");
        assert!(!text.contains("Seq Scan"), "{route} scans a table:\n{text}");
        assert!(text.contains("Index"), "{route} uses no index:\n{text}");
    }
    // The full interaction joins its eight tables, each through its primary key.
    let full = &plans.iter().find(|(route, _)| *route == "get-full-interaction").unwrap().1.join("\n");
    assert!(full.matches("Index Scan").count() + full.matches("Index Only Scan").count() >= 9, "{full}");
}
