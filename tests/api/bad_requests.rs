//! Every 400 names the field at fault, for every operation of the served spec: a body without
//! one of its required fields, a body with one field of the wrong JSON type, and a request
//! without one of its required query parameters each get a 400 whose `details` name that
//! field (a JSON pointer for a body's field, the name for a parameter) and say what was
//! expected. The operations are read from the spec, not listed here, so a new one is
//! covered the day it is added.

use poem::http::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{Reply, TestApp};

fn spec() -> Value {
    serde_json::from_str(&zhaoshang::openapi_json()).expect("the spec is JSON")
}

/// `schema` with its `$ref`s followed, and an `allOf` of one reference taken as it.
fn resolve<'s>(spec: &'s Value, mut schema: &'s Value) -> &'s Value {
    loop {
        if let Some(target) = schema["$ref"].as_str() {
            let name = target.trim_start_matches("#/components/schemas/");
            schema = &spec["components"]["schemas"][name];
        } else if let Some(first) = schema["allOf"].as_array().and_then(|all| all.first()) {
            schema = first;
        } else {
            return schema;
        }
    }
}

/// A value `schema` takes: its example, its first allowed value, or the least of its kind,
/// with every required field of an object.
fn valid(spec: &Value, schema: &Value) -> Value {
    let schema = resolve(spec, schema);
    if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
        return first.clone();
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    match schema["type"].as_str() {
        Some("object") => {
            let mut object = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                object.insert(name.to_owned(), valid(spec, &schema["properties"][name]));
            }
            Value::Object(object)
        }
        Some("array") => json!([]),
        Some("integer") | Some("number") => json!(schema["minimum"].as_f64().unwrap_or(1.0).max(1.0) as i64),
        Some("boolean") => json!(false),
        Some("string") if schema["format"] == "date" => json!("2025-03-15"),
        Some("string") if schema["format"] == "date-time" => json!("2025-03-15T09:30:00+08:00"),
        Some("string") => json!("abc"),
        _ => Value::Null,
    }
}

/// A value of another JSON kind than `schema` takes, or none when it takes any.
fn wrong(spec: &Value, schema: &Value) -> Option<Value> {
    match resolve(spec, schema)["type"].as_str()? {
        "array" => Some(json!({"a": 1})),
        _ => Some(json!([1])),
    }
}

/// A parameter's value as text.
fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The path with every path parameter filled in with a value its schema takes.
fn filled_path(spec: &Value, path: &str, operation: &Value) -> String {
    let mut filled = path.to_owned();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        if parameter["in"] == "path" {
            let name = parameter["name"].as_str().unwrap();
            filled = filled.replace(&format!("{{{name}}}"), &as_text(&valid(spec, &parameter["schema"])));
        }
    }
    filled
}

/// Asserts a 400 naming `field` with a message containing `says`.
#[track_caller]
fn names(reply: Reply, field: &str, says: &str, what: &str) {
    let body = reply.expect(400);
    assert_eq!(body["code"], "bad_request", "{what}: {body}");
    let detail = body["details"]
        .as_array()
        .and_then(|details| details.iter().find(|d| d["field"] == field))
        .unwrap_or_else(|| panic!("{what}: the 400 does not name {field}: {body}"));
    let message = detail["message"].as_str().unwrap();
    assert!(
        message.contains(says),
        "{what}: {field} is refused with {message:?}, not saying {says:?}"
    );
    assert!(body["message"].as_str().unwrap().contains(field), "{what}: {body}");
}

#[tokio::test]
async fn every_body_field_missing_or_of_the_wrong_type_is_named() {
    let app = TestApp::spawn().await;
    // A patch is read onto the record it changes, so each record a path names as 1 exists:
    // a producing project with its contract, investor, a payment, a follow-up and an output
    // report (teams, clusters, parks and the administrator are there from the start).
    let project = app.create_project("BAD-1", "氢能专班").await;
    assert_eq!(project["id"], 1);
    let contract = json!({"agreement_type": "formal", "signed_on": "2025-02-01", "contracted_investment": "100"});
    app.post(
        "/api/v1/projects/1/transitions",
        json!({"stage": "signed", "contract": contract}),
    )
    .await
    .expect(200);
    for (stage, date) in [("started", "2025-03-01"), ("producing", "2025-04-01")] {
        app.post("/api/v1/projects/1/transitions", json!({"stage": stage, "date": date}))
            .await
            .expect(200);
    }
    assert!(project["investor"]["id"] == 1, "{project}");
    for (records, record) in [
        (
            "fundings",
            json!({"arrived_on": "2025-03-01", "amount": "10", "kind": "other"}),
        ),
        (
            "activities",
            json!({"occurred_on": "2025-03-01", "kind": "call", "summary": "电话"}),
        ),
        (
            "outputs",
            json!({"period_start": "2025-04-01", "period_end": "2025-04-30", "output_value": "5", "tax": "1"}),
        ),
    ] {
        let created = app.post(&format!("/api/v1/projects/1/{records}"), record).await;
        assert_eq!(created.expect(200)["id"], 1, "{records}");
    }
    let trail = app.count("audit_log").await;
    let spec = spec();
    let (mut operations, mut missing, mut mistyped) = (0, 0, 0);
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(schema) = operation["requestBody"]["content"]
                .as_object()
                .and_then(|content| content.iter().find(|(media, _)| media.contains("json")))
                .map(|(_, media)| &media["schema"])
            else {
                continue;
            };
            let body_schema = resolve(&spec, schema);
            let Some(properties) = body_schema["properties"].as_object() else {
                continue;
            };
            operations += 1;
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = filled_path(&spec, path, operation);
            let whole = valid(&spec, body_schema);
            let id = operation["operationId"].as_str().unwrap();
            for required in body_schema["required"].as_array().into_iter().flatten() {
                let required = required.as_str().unwrap();
                let mut body = whole.clone();
                body.as_object_mut().unwrap().remove(required);
                let reply = app.send_as(Some(&app.token), method.clone(), &url, Some(body)).await;
                names(
                    reply,
                    &format!("/{required}"),
                    "必填",
                    &format!("{id} without {required}"),
                );
                missing += 1;
            }
            for (name, property) in properties {
                let Some(wrong) = wrong(&spec, property) else { continue };
                let mut body = whole.clone();
                body.as_object_mut().unwrap().insert(name.clone(), wrong);
                let reply = app.send_as(Some(&app.token), method.clone(), &url, Some(body)).await;
                names(
                    reply,
                    &format!("/{name}"),
                    "应为",
                    &format!("{id} with {name} of the wrong type"),
                );
                mistyped += 1;
            }
        }
    }
    // The spec's JSON bodies were all tried, and there are many of them.
    assert!(operations >= 20, "only {operations} operations with a JSON body");
    assert!(
        missing >= 30 && mistyped >= 100,
        "{missing} missing, {mistyped} mistyped"
    );
    // Nothing was written by any of the refused requests.
    assert_eq!(app.count("projects").await, 1);
    assert_eq!(app.count("audit_log").await, trail);
}

/// A text for a query parameter that its schema does not take, and what the refusal says
/// then; none for a free text.
fn unreadable(spec: &Value, schema: &Value) -> Option<(&'static str, &'static str)> {
    let schema = resolve(spec, schema);
    if schema.get("enum").is_some() {
        return Some(("no-such-value", "以下之一"));
    }
    match (schema["type"].as_str()?, schema["format"].as_str()) {
        ("integer", _) => Some(("abc", "应为整数")),
        ("number", _) => Some(("abc", "应为数字")),
        ("boolean", _) => Some(("maybe", "true 或 false")),
        ("string", Some("date")) => Some(("2025-13-45", "YYYY-MM-DD")),
        _ => None,
    }
}

#[tokio::test]
async fn every_query_parameter_missing_when_required_or_unreadable_is_named() {
    let app = TestApp::spawn().await;
    let spec = spec();
    let (mut missing, mut unreadables) = (0, 0);
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let parameters: Vec<&Value> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .collect();
            let required: Vec<&Value> = parameters.iter().copied().filter(|p| p["required"] == true).collect();
            let query_with = |left_out: &Value, sent: Option<&str>| {
                let mut query: Vec<String> = required
                    .iter()
                    .filter(|p| p["name"] != left_out["name"])
                    .map(|p| {
                        format!(
                            "{}={}",
                            p["name"].as_str().unwrap(),
                            as_text(&valid(&spec, &p["schema"]))
                        )
                    })
                    .collect();
                if let Some(sent) = sent {
                    query.push(format!("{}={sent}", left_out["name"].as_str().unwrap()));
                }
                format!("{}?{}", filled_path(&spec, path, operation), query.join("&"))
            };
            for left_out in &required {
                let url = query_with(left_out, None);
                let name = left_out["name"].as_str().unwrap();
                let reply = app.send_as(Some(&app.token), method.clone(), &url, None).await;
                names(reply, name, "必填", &format!("{url} without {name}"));
                missing += 1;
            }
            for parameter in &parameters {
                let Some((sent, says)) = unreadable(&spec, &parameter["schema"]) else {
                    continue;
                };
                let url = query_with(parameter, Some(sent));
                let name = parameter["name"].as_str().unwrap();
                let reply = app.send_as(Some(&app.token), method.clone(), &url, None).await;
                names(reply, name, says, &url);
                unreadables += 1;
            }
        }
    }
    // Every query parameter of a fixed form was tried (today no query parameter is required:
    // the figures default to this year to date).
    assert!(
        unreadables >= 40,
        "only {unreadables} query parameters tried, {missing} left out"
    );
}

#[tokio::test]
async fn a_request_in_english_is_answered_in_english() {
    let app = TestApp::spawn().await;
    let body = app
        .send_in_english(
            Method::POST,
            "/api/v1/projects/1/transitions",
            Some(json!({"stage": "signed", "contract": {"agreement_type": "正式合同"}})),
        )
        .await
        .expect(400);
    let details = body["details"].as_array().unwrap();
    let agreement = details
        .iter()
        .find(|d| d["field"] == "/contract/agreement_type")
        .unwrap();
    assert_eq!(
        agreement["message"],
        "is not allowed; expected one of: framework (框架协议), formal (正式合同), supplementary (补充协议)"
    );
    assert!(details.iter().any(|d| d["field"] == "/contract/signed_on"
        && d["message"] == "required: a date string YYYY-MM-DD, e.g. \"2025-03-15\""));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("the request could not be read: ")
    );
    // The same in Chinese by default.
    let body = app
        .post(
            "/api/v1/projects/1/transitions",
            json!({"stage": "signed", "contract": {"agreement_type": "正式合同"}}),
        )
        .await
        .expect(400);
    let agreement = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["field"] == "/contract/agreement_type")
        .unwrap();
    assert_eq!(
        agreement["message"],
        "不是允许的值，应为以下之一：framework（框架协议）、formal（正式合同）、supplementary（补充协议）"
    );
}

#[tokio::test]
async fn a_username_in_chinese_is_told_which_characters_are_allowed() {
    let app = TestApp::spawn().await;
    let body = app
        .post(
            "/api/v1/users",
            json!({"username": "张三", "display_name": "张三", "role": "member"}),
        )
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "/username");
    let message = body["details"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("英文字母、数字") && message.contains("不能用汉字"),
        "{message}"
    );
    assert!(
        !message.contains("[A-Za-z"),
        "a regular expression is no answer: {message}"
    );
    // A missing team id names it, where poem-openapi said `Expected input type "integer_int32"`.
    let body = app
        .post("/api/v1/projects", json!({"name": "新项目"}))
        .await
        .expect(400);
    assert_eq!(body["details"][0]["field"], "/team_id");
    assert_eq!(body["details"][0]["message"], "必填，应为整数");
    assert_eq!(body["message"], "请求有误：/team_id：必填，应为整数");
    // A path parameter of the wrong type names itself.
    let body = app.get("/api/v1/projects/abc").await.expect(400);
    assert_eq!(body["details"][0]["field"], "id");
    assert_eq!(body["details"][0]["message"], "应为整数");
    // Errors without a field are in Chinese too, and say so in Content-Language.
    let reply = app.send_as(None, Method::GET, "/api/v1/projects", None).await;
    assert_eq!(reply.headers["content-language"], "zh-CN");
    let body = reply.expect(401);
    assert!(
        body["message"].as_str().unwrap().starts_with("需要有效的访问令牌"),
        "{body}"
    );
}

#[tokio::test]
async fn a_refusal_of_the_access_rules_is_worded_in_both_languages() {
    let app = TestApp::spawn().await;
    let leader = app.token_for("zhao", "leader", None).await;
    let team_id = app.reference_id("teams", "氢能专班").await;
    let body = app
        .send_as(
            Some(&leader),
            Method::POST,
            "/api/v1/projects",
            Some(json!({"name": "新项目", "team_id": team_id})),
        )
        .await
        .expect(403);
    assert_eq!(body["code"], "forbidden");
    assert_eq!(body["message"], "领导只能查看，不能修改数据");
    let reply = app
        .client
        .post("/api/v1/projects")
        .header("Authorization", format!("Bearer {leader}"))
        .header("Accept-Language", "en-US,en;q=0.9,zh;q=0.5")
        .body_json(&json!({"name": "新项目", "team_id": team_id}))
        .send()
        .await;
    let reply = Reply::read(reply).await;
    assert_eq!(reply.headers["content-language"], "en");
    assert_eq!(reply.expect(403)["message"], "leaders read but do not change data");
}
