//! Every change is attributable (the audit trail), tokens are revocable and stored hashed,
//! passwords sign in and are throttled, and concurrent updates lose nothing.

use std::sync::Arc;

use poem::http::Method;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn writes_leave_a_trail_with_before_after_and_reason() {
    let app = TestApp::spawn().await;
    let project = app.create_project("AU-1", "五金制品专班").await;
    let id = project["id"].as_i64().unwrap();
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "negotiating", "date": "2025-02-01"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/v1/projects/{id}/transitions"),
        json!({"stage": "terminated", "date": "2025-03-01", "reason": "投资方撤资"}),
    )
    .await
    .expect(200);
    let team_id = project["team"]["id"].clone();
    let investor_id = project["investor"]["id"].clone();
    app.put(
        &format!("/api/v1/projects/{id}"),
        json!({"name": "AU-1 新名", "team_id": team_id, "investor_id": investor_id, "version": 3}),
    )
    .await
    .expect(200);

    let trail = app.get(&format!("/api/v1/projects/{id}/audit")).await.expect(200);
    assert_eq!(trail["total"], 4);
    let newest = &trail["items"][0];
    assert_eq!(newest["action"], "update");
    assert_eq!(
        newest["changes"],
        json!({"name": {"before": "AU-1项目", "after": "AU-1 新名"}})
    );
    let termination = &trail["items"][1];
    assert_eq!(termination["action"], "transition");
    assert_eq!(termination["reason"], "投资方撤资");
    assert_eq!(
        termination["changes"]["stage"],
        json!({"before": "negotiating", "after": "terminated"})
    );
    assert_eq!(
        termination["changes"]["terminated_on"],
        json!({"before": null, "after": "2025-03-01"})
    );
    assert_eq!(trail["items"][3]["action"], "create");
    let me = app.get("/api/v1/users/me").await.expect(200);
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["user_id"] == me["id"])
    );

    // The global trail filters by entity and user; members may not read it.
    let investors = app.get("/api/v1/audit?entity=investor").await.expect(200);
    assert_eq!(investors["total"], 1);
    let member = app.token_for("member_m", "member", Some("五金制品专班")).await;
    app.send_as(Some(&member), Method::GET, "/api/v1/audit", None)
        .await
        .expect(403);
    // A failed write leaves no trail.
    let before = app.count("audit_log").await;
    app.put(
        &format!("/api/v1/projects/{id}"),
        json!({"name": "x", "team_id": team_id, "version": 1}),
    )
    .await
    .expect(409);
    assert_eq!(app.count("audit_log").await, before);
}

#[tokio::test]
async fn tokens_are_revocable_and_passwords_sign_in_with_throttling() {
    let app = TestApp::spawn().await;
    let user = app
        .post("/api/v1/users", json!({"username": "zhang", "role": "leader"}))
        .await
        .expect(200);
    let uid = user["id"].as_i64().unwrap();
    let issued = app
        .post("/api/v1/tokens", json!({"name": "laptop", "user_id": uid}))
        .await
        .expect(200);
    let token = issued["token"].as_str().unwrap().to_string();
    app.send_as(Some(&token), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(200);
    let listed = app.get(&format!("/api/v1/tokens?user_id={uid}")).await.expect(200);
    assert_eq!(listed[0]["name"], "laptop");
    assert!(listed[0].get("token").is_none(), "listing never shows secrets");
    assert!(listed[0]["last_used_at"].is_string());
    app.delete(&format!("/api/v1/tokens/{}", issued["id"]))
        .await
        .expect(200);
    app.send_as(Some(&token), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(401);

    let password = "大足-招商-2025-secret";
    app.put(&format!("/api/v1/users/{uid}/password"), json!({"password": password}))
        .await
        .expect(204);
    let session = app
        .send_as(
            None,
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"username": "zhang", "password": password})),
        )
        .await
        .expect(200);
    let session_token = session["token"].as_str().unwrap().to_string();
    assert!(session["expires_at"].is_string());
    app.send_as(Some(&session_token), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(200);

    for _ in 0..5 {
        let body = app
            .send_as(
                None,
                Method::POST,
                "/api/v1/sessions",
                Some(json!({"username": "zhang", "password": "guess"})),
            )
            .await
            .expect(401);
        assert_eq!(body["code"], "unauthorized");
    }
    // This client waits now, even with the right password; it is told for how long.
    let reply = app
        .send_as(
            None,
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"username": "zhang", "password": password})),
        )
        .await;
    let retry_after: u32 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15).contains(&retry_after), "the first wait is 15 s: {retry_after}");
    let body = reply.expect(429);
    assert_eq!(body["code"], "too_many_requests");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("请于{retry_after}秒后（北京时间")),
        "{message}"
    );
    // The end of the wait is in China time (UTC+8), to the second.
    let until = zhaoshang::domain::date::china_time(chrono::Utc::now() + chrono::Duration::seconds(retry_after.into()));
    let hour = until.format("%Y-%m-%d %H:").to_string();
    assert!(message.contains(&hour), "{message} should end at {until}");

    // Neither a token nor the password is stored in plain text anywhere.
    let secrets = [token.as_str(), session_token.as_str(), app.token.as_str(), password];
    for table in ["users", "api_tokens", "audit_log"] {
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                app.db.get_database_backend(),
                format!("SELECT * FROM {table}"),
            ))
            .await
            .unwrap();
        for row in rows {
            for column in row.column_names() {
                if let Ok(Some(text)) = row.try_get::<Option<String>>("", &column) {
                    for secret in secrets {
                        assert!(!text.contains(secret), "{table}.{column} holds a secret in plain text");
                    }
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_lose_nothing() {
    let app = Arc::new(TestApp::spawn().await);
    let project = app.create_project("CC-1", "传感器专班").await;
    let id = project["id"].as_i64().unwrap();
    let team_id = project["team"]["id"].clone();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..12 {
        let app = Arc::clone(&app);
        let team_id = team_id.clone();
        tasks.spawn(async move {
            let read = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
            let version = read["version"].as_i64().unwrap();
            let name = format!("并发修改{n}");
            let reply = app
                .put(
                    &format!("/api/v1/projects/{id}"),
                    json!({"name": name, "team_id": team_id, "version": version}),
                )
                .await;
            (version, name, reply.status.as_u16(), reply.body)
        });
    }
    let mut outcomes = tasks.join_all().await;
    outcomes.sort_by_key(|(version, ..)| *version);
    let succeeded: Vec<_> = outcomes.iter().filter(|(.., status, _)| *status == 200).collect();
    for (version, _, status, body) in &outcomes {
        assert!(*status == 200 || *status == 409, "unexpected {status}: {body}");
        if *status == 409 {
            assert_eq!(body["details"][0]["field"], "version");
        }
        let _ = version;
    }
    // Each success consumed the version it read: no two succeeded on the same version.
    let mut versions: Vec<i64> = succeeded.iter().map(|(v, ..)| *v).collect();
    versions.dedup();
    assert_eq!(versions.len(), succeeded.len());
    assert!(!succeeded.is_empty());
    let stored = app.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    assert_eq!(stored["version"].as_i64().unwrap(), 1 + succeeded.len() as i64);
    let last = succeeded.last().unwrap();
    assert_eq!(
        stored["name"],
        last.1.as_str(),
        "the stored state is the last successful update"
    );
    let updates = app
        .get(&format!("/api/v1/audit?entity=project&entity_id={id}"))
        .await
        .expect(200);
    assert_eq!(
        updates["total"].as_u64().unwrap(),
        1 + succeeded.len() as u64,
        "one create and one entry per success"
    );
}

#[tokio::test]
async fn a_token_revoked_outside_this_server_stops_working_within_the_cache_time() {
    use zhaoshang::service::{Actor, auth};
    let app = TestApp::spawn().await;
    let user = app
        .post("/api/v1/users", json!({"username": "wang", "role": "leader"}))
        .await
        .expect(200);
    let issued = app
        .post("/api/v1/tokens", json!({"name": "desk", "user_id": user["id"]}))
        .await
        .expect(200);
    let token = issued["token"].as_str().unwrap().to_string();
    app.send_as(Some(&token), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(200);
    // Revoked as `zhaoshang token revoke` or another server on the same database does it: this
    // server's cache does not hear of it, and trusts the token for at most TOKEN_CACHE_TTL.
    let me = app.get("/api/v1/users/me").await.expect(200);
    let admin = Actor {
        user_id: me["id"].as_i64().unwrap() as i32,
        username: "admin".into(),
        role: entity::enums::Role::Admin,
        team_id: None,
    };
    auth::revoke_token(&app.db, &admin, issued["id"].as_i64().unwrap() as i32)
        .await
        .unwrap();
    tokio::time::sleep(auth::TOKEN_CACHE_TTL + std::time::Duration::from_millis(100)).await;
    app.send_as(Some(&token), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(401);
}

/// The answer to an unknown username takes as long as to a real one with a wrong password,
/// so answer times do not tell which usernames exist.
#[tokio::test]
async fn unknown_usernames_take_as_long_as_real_ones() {
    let app = TestApp::spawn().await;
    app.put("/api/v1/users/1/password", json!({"password": "大足-招商-2025-secret"}))
        .await
        .expect(204);
    let attempt = async |username: &str| {
        let asked = std::time::Instant::now();
        app.send_as(
            None,
            Method::POST,
            "/api/v1/sessions",
            Some(json!({"username": username, "password": "wrong-password"})),
        )
        .await
        .expect(401);
        asked.elapsed()
    };
    // Alternated, so that whatever else the machine does falls on both alike; four failures
    // for admin stay under the throttle's five.
    let (mut real, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..4 {
        real.push(attempt("admin").await);
        unknown.push(attempt("nobody-at-all").await);
    }
    real.sort();
    unknown.sort();
    let (real, unknown) = (real[1], unknown[1]);
    // Without the dummy hash an unknown name answered in under 1 ms against 25-40 ms.
    assert!(
        unknown * 4 > real && real * 4 > unknown,
        "a real username answered in {real:?}, an unknown one in {unknown:?}"
    );
}

/// Who am I: the signed-in user with their task force's name, not only its id.
#[tokio::test]
async fn the_current_user_names_their_team() {
    let app = TestApp::spawn().await;
    let member = app.token_for("wang", "member", Some("智能电梯专班")).await;
    let me = app
        .send_as(Some(&member), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(200);
    assert_eq!(me["team_name"], "智能电梯专班");
    assert_eq!(me["role_label"], "专班成员");
    assert!(me["team_id"].is_i64());
    let listed = app.get("/api/v1/users").await.expect(200);
    let wang = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "wang")
        .unwrap();
    assert_eq!(wang["team_name"], "智能电梯专班");
    let admin = app.get("/api/v1/users/me").await.expect(200);
    assert!(admin.get("team_name").is_none_or(|t| t.is_null()), "{admin:#}");
    assert_eq!(admin["role_label"], "管理员");
    let lead = app.token_for("li", "team_lead", Some("智能电梯专班")).await;
    let me = app
        .send_as(Some(&lead), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(200);
    assert_eq!(me["role_label"], "专班负责人");
    let leader = app.token_for("zhao", "leader", None).await;
    let me = app
        .send_as(Some(&leader), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(200);
    assert_eq!(me["role_label"], "领导");
}
