//! The committed OpenAPI document is the one the code generates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::testing::TestDb;

mod common;

#[tokio::test]
async fn the_committed_openapi_json_matches_the_code() {
    let server = common::TestServer::new(TestDb::sqlite().await.unwrap()).await;
    let generated = longjobs_server::openapi_json(server.state.clone());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo nextest run -p longjobs-server the_committed_openapi_json_matches_the_code` and commit it"
    );
    let spec: serde_json::Value = serde_json::from_str(&generated).unwrap();
    // Every operation is documented: an id, a tag and a summary.
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["operationId"].is_string(),
                "{method} {path} has no operation id"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
            assert!(op["summary"].is_string(), "{method} {path} has no summary");
        }
    }
}
