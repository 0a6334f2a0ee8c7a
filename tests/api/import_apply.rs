//! A ledger's changes to stored projects are written in bulk, not through the services one
//! call at a time: they must leave exactly what the same changes made through the API leave —
//! the project's row and version, its history, contract and payments, and its audit trail.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::imports::{ledger, upload};

/// A project in talks, and a signed one beside it (so that contracts and payments have ids
/// before the changes).
fn october() -> Vec<u8> {
    let talks = vec![
        ("项目编号", "WJ001"),
        ("项目名称", "龙水刀具扩产项目"),
        ("投资方", "重庆龙水五金有限公司"),
        ("产业集群", "现代五金"),
        ("落地园区", "龙水五金产业园"),
        ("招商专班", "五金刀具专班"),
        ("包保领导", "张明"),
        ("项目阶段", "在谈"),
        ("洽谈时间", "2025-03-01"),
    ];
    let signed = crate::imports::signed_row("WJ002", "龙水锁具项目", "2025-07-01", "800");
    ledger("2025年10月31日", &[talks, signed])
}

/// The same two, the first now signed (contract terms), its funds arrived and its 包保领导
/// changed; the second's start put back (new terms) and more of its funds arrived.
fn november() -> Vec<u8> {
    let mut signed = crate::imports::signed_row("WJ001", "龙水刀具扩产项目", "2025-11-10", "300");
    signed.retain(|(h, _)| *h != "包保领导");
    signed.push(("包保领导", "李华"));
    signed.push(("本年到位资金", "300"));
    let mut later = crate::imports::signed_row("WJ002", "龙水锁具项目", "2025-07-01", "900");
    later.retain(|(h, _)| *h != "约定开工时间");
    later.push(("约定开工时间", "2026-01-15"));
    ledger("2025年11月30日", &[signed, later])
}

/// What a project's records say, times left out (the two apps write at different moments).
async fn records(app: &TestApp, id: i64) -> Value {
    let project = untimed(app.get(&format!("/api/v1/projects/{id}")).await.expect(200));
    let contract = untimed(app.get(&format!("/api/v1/projects/{id}/contract")).await.expect(200));
    let fundings = app.get(&format!("/api/v1/projects/{id}/fundings")).await.expect(200);
    let fundings: Vec<Value> = fundings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            json!([
                f["id"],
                f["arrived_on"],
                f["amount"],
                f["kind"],
                f["counted"],
                f["note"]
            ])
        })
        .collect();
    let history = app.get(&format!("/api/v1/projects/{id}/history")).await.expect(200);
    let history: Vec<Value> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| json!([h["from_stage"], h["to_stage"], h["effective_on"], h["reason"]]))
        .collect();
    let trail = app
        .get(&format!("/api/v1/projects/{id}/audit?per_page=200"))
        .await
        .expect(200);
    let items = trail.get("items").unwrap_or(&trail);
    let mut trail: Vec<Value> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            json!([
                e["entity"],
                e["entity_id"],
                e["action"],
                untimed(e["changes"].clone()),
                e["reason"],
                e["user_id"]
            ])
        })
        .collect();
    trail.sort_by_key(|e| e.to_string());
    json!({ "project": project, "contract": contract, "fundings": fundings, "history": history, "trail": trail })
}

/// `value` without the times records were written at, at any depth.
fn untimed(mut value: Value) -> Value {
    match &mut value {
        Value::Object(map) => {
            map.remove("created_at");
            map.remove("updated_at");
            for v in map.values_mut() {
                *v = untimed(v.take());
            }
        }
        Value::Array(items) => {
            for v in items {
                *v = untimed(v.take());
            }
        }
        _ => {}
    }
    value
}

#[tokio::test]
async fn a_ledgers_changes_leave_what_the_same_changes_through_the_api_leave() {
    let (by_ledger, by_hand) = (TestApp::spawn().await, TestApp::spawn().await);
    for app in [&by_ledger, &by_hand] {
        let first = upload(app, "", "2025-10.xlsx", october()).await.expect(200);
        assert_eq!(first["created"], 2, "{first:#}");
    }
    let mut ids = Vec::new();
    for code in ["WJ001", "WJ002"] {
        let found = by_hand.get(&format!("/api/v1/projects?q={code}")).await.expect(200);
        ids.push(found["items"][0]["id"].as_i64().expect("stored"));
    }
    let (id, other) = (ids[0], ids[1]);

    let second = upload(&by_ledger, "", "2025-11.xlsx", november()).await.expect(200);
    assert_eq!(
        (second["updated"].as_i64(), second["unchanged"].as_i64()),
        (Some(2), Some(0)),
        "{second:#}"
    );
    let reason = format!("ledger import #{}", second["id"]);

    // The same changes, one call each, as the import's plan states them.
    let stored = by_hand.get(&format!("/api/v1/projects/{id}")).await.expect(200);
    let mut update = json!({
        "code": stored["code"],
        "name": stored["name"],
        "investor_id": stored["investor"]["id"],
        "cluster_id": stored["cluster"]["id"],
        "park_id": stored["park"]["id"],
        "team_id": stored["team"]["id"],
        "sponsoring_leader": "李华",
        "version": stored["version"],
    });
    for field in [
        "owner_id",
        "source",
        "planned_investment",
        "land_area",
        "registered_on",
        "registered_capital",
        "land_supplied_on",
        "progress",
        "issues",
        "notes",
    ] {
        update[field] = stored[field].clone();
    }
    by_hand.put(&format!("/api/v1/projects/{id}"), update).await.expect(200);
    by_hand
        .post(
            &format!("/api/v1/projects/{id}/transitions"),
            json!({
                "stage": "signed",
                "date": "2025-11-10",
                "reason": reason,
                "contract": {
                    "agreement_type": "formal",
                    "signed_on": "2025-11-10",
                    "contracted_investment": "5000",
                    "promised_start_on": "2025-12-01",
                },
            }),
        )
        .await
        .expect(200);
    by_hand
        .post(
            &format!("/api/v1/projects/{id}/fundings"),
            json!({"arrived_on": "2025-11-30", "amount": "300", "kind": "other", "counted": true, "note": reason}),
        )
        .await
        .expect(200);

    let terms = by_hand
        .get(&format!("/api/v1/projects/{other}/contract"))
        .await
        .expect(200);
    by_hand
        .put(
            &format!("/api/v1/projects/{other}/contract"),
            json!({
                "agreement_type": terms["agreement_type"],
                "signed_on": terms["signed_on"],
                "contracted_investment": terms["contracted_investment"],
                "promised_start_on": "2026-01-15",
            }),
        )
        .await
        .expect(200);
    by_hand
        .post(
            &format!("/api/v1/projects/{other}/fundings"),
            json!({"arrived_on": "2025-11-30", "amount": "100", "kind": "other", "counted": true, "note": reason}),
        )
        .await
        .expect(200);

    for (project, entries) in [(id, 5), (other, 3)] {
        let (imported, made) = (records(&by_ledger, project).await, records(&by_hand, project).await);
        assert_eq!(imported, made, "imported:\n{imported:#}\nby hand:\n{made:#}");
        assert_eq!(
            imported["trail"].as_array().map(Vec::len),
            Some(entries),
            "{imported:#}"
        );
    }
}
