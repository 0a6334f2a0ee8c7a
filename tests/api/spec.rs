//! The committed spec at `openapi/openapi.json` is what the server serves, and every
//! operation has an operation id, a summary and the documented error responses.

use serde_json::Value;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");

#[test]
fn committed_spec_matches_the_served_one() {
    let served = zhaoshang::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(SPEC_PATH, format!("{served}\n")).expect("write openapi/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(SPEC_PATH).unwrap_or_default();
    assert!(
        committed.trim_end() == served.trim_end(),
        "openapi/openapi.json differs from the spec the server serves.\n\
         Refresh it with: UPDATE_OPENAPI=1 cargo test --test api spec::committed_spec_matches_the_served_one"
    );
}

#[test]
fn every_operation_is_documented_for_client_generators() {
    let spec: Value = serde_json::from_str(&zhaoshang::openapi_json()).unwrap();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id} has no summary"
            );
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id} has no tag"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("400"), "{id} does not document 400");
            // Only health and password sign-in answer without a token.
            if path != "/health" && path != "/api/v1/sessions" {
                assert!(responses.contains_key("401"), "{id} does not document 401");
                assert!(operation["security"].is_array(), "{id} is not behind the bearer token");
            }
        }
    }
    // Dates and money are described so generators and fuzzers know their form.
    let text = zhaoshang::openapi_json();
    assert!(text.contains(r#""format": "date""#));
    assert!(!text.contains("naive-date"));
    assert!(text.contains(r#""pattern": "^-?[0-9]{1,15}(\\.[0-9]{1,4})?$""#));
}
