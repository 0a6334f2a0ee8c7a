//! The committed spec at `openapi/openapi.json` is what the server serves, every operation has
//! an operation id and a summary, and each documents the error statuses it can answer with and
//! no others. (What an operation answers is checked against its documented statuses by the
//! debug build itself, see `api::error`, and by `access.rs` for every operation.)

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
            assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()));
        }
    }
    // Dates and money are described so generators and fuzzers know their form.
    let text = zhaoshang::openapi_json();
    assert!(text.contains(r#""format": "date""#));
    assert!(!text.contains("naive-date"));
    assert!(text.contains(r#""pattern": "^-?[0-9]{1,15}(\\.[0-9]{1,4})?$""#));
}

#[test]
fn every_operation_documents_the_statuses_it_can_answer_and_no_others() {
    let spec: Value = serde_json::from_str(&zhaoshang::openapi_json()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            let documented = |status: &str| operation["responses"].as_object().unwrap().contains_key(status);
            let has_parameters = operation["parameters"].as_array().is_some_and(|p| !p.is_empty());
            let has_body = operation["requestBody"].is_object();
            // Parameters and bodies can be unreadable; nothing else can.
            assert_eq!(documented("400"), has_parameters || has_body, "{id}: 400");
            // Only health and password sign-in answer without a token; sign-in answers a wrong
            // password with 401.
            let public = path == "/health" || path == "/api/v1/sessions";
            assert_eq!(operation["security"].is_array(), !public, "{id}: bearer token");
            assert_eq!(documented("401"), path != "/health", "{id}: 401");
            // Only a body can be too large or of the wrong media type.
            assert_eq!(documented("413"), has_body, "{id}: 413");
            assert_eq!(documented("415"), has_body, "{id}: 415");
            // Only a record named in the path can be missing (and creating a token names its
            // user in the body).
            if documented("404") {
                assert!(
                    path.contains('{') || id == "create_token",
                    "{id}: 404 without a record in its path"
                );
            }
            // Only writes collide with stored data.
            if documented("409") {
                assert_ne!(method, "get", "{id}: a read documents 409");
            }
            // Only sign-in counts failed attempts.
            assert_eq!(documented("429"), id == "create_session", "{id}: 429");
            // Every operation answers 503 with `Retry-After` when the database is busy with
            // another write (or, for health, away); everything else 500 when it fails.
            assert!(documented("503"), "{id}: 503");
            let headers = operation["responses"]["503"]["headers"].as_object();
            assert!(
                headers.is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("retry-after"))),
                "{id}: 503 without Retry-After"
            );
            assert_eq!(documented("500"), id != "get_health", "{id}: 500");
            // Every error status has the API's error shape (a rejected import adds its report).
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status.starts_with('2') {
                    continue;
                }
                let schema = &response["content"]["application/json; charset=utf-8"]["schema"]["$ref"];
                let expected = if status == "422" && id.starts_with("import_ledger") {
                    "#/components/schemas/ImportRejected"
                } else {
                    "#/components/schemas/ErrorBody"
                };
                assert_eq!(schema, expected, "{id}: {status}");
            }
        }
    }
}

/// The schema `schema` stands for, following a `$ref` into the components.
fn resolved<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &spec["components"]["schemas"][name]
        }
        None => schema,
    }
}

/// Every string a client can send in `schema`, with where it is.
fn strings_in<'a>(spec: &'a Value, schema: &'a Value, at: String, found: &mut Vec<(String, &'a Value)>) {
    let schema = resolved(spec, schema);
    if schema["type"] == "string" {
        found.push((at.clone(), schema));
    }
    for part in ["allOf", "anyOf", "oneOf"] {
        for (n, inner) in schema[part].as_array().into_iter().flatten().enumerate() {
            strings_in(spec, inner, format!("{at}/{part}{n}"), found);
        }
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        if property["readOnly"] != true {
            strings_in(spec, property, format!("{at}.{name}"), found);
        }
    }
    if schema["items"].is_object() {
        strings_in(spec, &schema["items"], format!("{at}[]"), found);
    }
}

/// Every text a client sends, in a body or a query, states how long it may be: `maxLength`, or
/// a form that bounds it (a date, an enumeration, an upload, a pattern of bounded length).
#[test]
fn every_text_a_client_sends_states_its_limit() {
    let spec: Value = serde_json::from_str(&zhaoshang::openapi_json()).unwrap();
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "query" {
                    let name = parameter["name"].as_str().unwrap();
                    strings_in(&spec, &parameter["schema"], format!("{id} ?{name}"), &mut found);
                }
            }
            for (media, content) in operation["requestBody"]["content"].as_object().into_iter().flatten() {
                strings_in(&spec, &content["schema"], format!("{id} {media}"), &mut found);
            }
            let _ = (path, method);
        }
    }
    assert!(found.len() > 30, "{} texts found", found.len());
    let unbounded: Vec<&String> = found
        .iter()
        .filter(|(_, schema)| {
            let bounded_pattern = schema["pattern"]
                .as_str()
                .is_some_and(|p| !p.contains('*') && !p.contains('+'));
            schema["maxLength"].is_null()
                && schema["enum"].is_null()
                && !matches!(schema["format"].as_str(), Some("date" | "date-time" | "binary"))
                && !bounded_pattern
        })
        .map(|(at, _)| at)
        .collect();
    assert!(unbounded.is_empty(), "texts without a limit: {unbounded:?}");
}

/// The limits written as literals in attributes (texts of a fixed form) are the domain's.
#[test]
fn the_fixed_form_texts_have_the_domains_limits() {
    use zhaoshang::domain::text;

    let spec: Value = serde_json::from_str(&zhaoshang::openapi_json()).unwrap();
    let schemas = &spec["components"]["schemas"];
    for (schema, field, limit) in [
        ("ProjectCreate", "code", text::CODE),
        ("ProjectUpdate", "code", text::CODE),
        ("UserInput", "username", text::USERNAME),
        ("InvestorInput", "credit_code", text::CREDIT_CODE),
        ("PasswordInput", "password", text::PASSWORD),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["maxLength"].as_u64(),
            Some(limit as u64),
            "{schema}.{field}"
        );
    }
    assert_eq!(
        schemas["PasswordInput"]["properties"]["password"]["minLength"].as_u64(),
        Some(text::PASSWORD_MIN as u64)
    );
}
