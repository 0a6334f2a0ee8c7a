//! `TestApp`: the real application on its own fresh, migrated database, with an admin token,
//! and short helpers to drive it.

use poem::EndpointExt;
use poem::endpoint::BoxEndpoint;
use poem::http::{Method, StatusCode};
use poem::test::TestClient;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use zhaoshang::db::list_cache::ListCache;
use zhaoshang::service::{auth, users};
use zhaoshang::{AppState, app, db};

pub struct TestApp {
    pub client: TestClient<BoxEndpoint<'static>>,
    pub db: DatabaseConnection,
    /// The app's state, for what a server does besides answering (writing token uses).
    pub state: AppState,
    /// The database's URL, for a test that opens connections of its own beside the app's.
    pub url: String,
    pub token: String,
    /// The PostgreSQL server URL and the schema this test owns, dropped with the app.
    pg_schema: Option<(String, String)>,
    /// The directory of this test's SQLite database, removed with the app.
    sqlite_dir: Option<std::path::PathBuf>,
}

/// A response, read: its status and its JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: poem::http::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Reads a response: its status, headers and body.
    pub async fn read(response: poem::test::TestResponse) -> Self {
        let response = response.0;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().into_vec().await.expect("read body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Self { status, headers, body }
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {:#}", self.body);
        self.body
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        let mut sqlite_dir = None;
        let (url, pg_schema) = match std::env::var("TEST_DATABASE_URL") {
            Ok(server) if server.starts_with("postgres") => {
                let schema = format!("zs_test_{:016x}", rand::random::<u64>());
                let admin = db::connect(&server).await.expect("connect to TEST_DATABASE_URL");
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                    .await
                    .expect("create schema");
                admin.close().await.ok();
                let separator = if server.contains('?') { '&' } else { '?' };
                (
                    format!("{server}{separator}options=-c%20search_path%3D{schema}"),
                    Some((server, schema)),
                )
            }
            _ => {
                // A database file, as the server runs: its read-only requests then go through
                // the separate readers (`db::connect_reader`), as in production.
                let dir = std::env::temp_dir().join(format!("zs-test-{:016x}", rand::random::<u64>()));
                std::fs::create_dir_all(&dir).expect("create the test's directory");
                let url = format!("sqlite://{}?mode=rwc", dir.join("zs.db").display());
                sqlite_dir = Some(dir);
                (url, None)
            }
        };
        let db = db::connect_and_migrate(&url).await.expect("migrate the test database");
        let admin_user = users::bootstrap_admin(&db).await.expect("create admin");
        let (token, _) = auth::issue_token(&db, admin_user.id, "tests", None)
            .await
            .expect("issue token");
        let reader = db::connect_reader(&url, &db).await.expect("open the readers");
        let lists = ListCache::open(&url).await.expect("open the list cache");
        let state = AppState::with_reader(db.clone(), reader).with_lists(lists);
        let client = TestClient::new(app(state.clone()).map_to_response().boxed());
        Self {
            client,
            db,
            state,
            url,
            token,
            pg_schema,
            sqlite_dir,
        }
    }

    /// Sends a request with the admin token (or `token`), and a JSON body when given.
    pub async fn send_as(&self, token: Option<&str>, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.client.request(method, path);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.body_json(&body);
        }
        Reply::read(request.send().await).await
    }

    /// Sends a request with the admin token asking for English (`Accept-Language: en`).
    pub async fn send_in_english(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .client
            .request(method, path)
            .header("Authorization", format!("Bearer {}", self.token))
            .header("Accept-Language", "en");
        if let Some(body) = body {
            request = request.body_json(&body);
        }
        Reply::read(request.send().await).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send_as(Some(&self.token), Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send_as(Some(&self.token), Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send_as(Some(&self.token), Method::PUT, path, Some(body)).await
    }

    /// Sends a JSON Merge Patch (`application/merge-patch+json`) with the admin token, or
    /// `token`.
    pub async fn patch_as(&self, token: Option<&str>, path: &str, body: Value) -> Reply {
        let mut request = self
            .client
            .request(Method::PATCH, path)
            .content_type("application/merge-patch+json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        Reply::read(request.send().await).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.patch_as(Some(&self.token), path, body).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send_as(Some(&self.token), Method::DELETE, path, None).await
    }

    /// Sends a raw body with a content type, for malformed input.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &'static str) -> Reply {
        let response = self
            .client
            .post(path)
            .header("Authorization", format!("Bearer {}", self.token))
            .content_type(content_type)
            .body(body)
            .send()
            .await;
        Reply::read(response).await
    }

    /// The id of a seeded reference record by name (`teams`, `clusters`, `parks`).
    pub async fn reference_id(&self, kind: &str, name: &str) -> i64 {
        let list = self.get(&format!("/api/v1/{kind}")).await.expect(200);
        list.as_array()
            .and_then(|items| items.iter().find(|i| i["name"] == name))
            .and_then(|i| i["id"].as_i64())
            .unwrap_or_else(|| panic!("no {kind} named {name}"))
    }

    /// Creates an investor and a project (a lead) of the given team; returns the project.
    pub async fn create_project(&self, code: &str, team: &str) -> Value {
        let team_id = self.reference_id("teams", team).await;
        let investor = self
            .post(
                "/api/v1/investors",
                json!({"name": format!("{code}投资有限公司"), "origin_region": "上海市"}),
            )
            .await
            .expect(200);
        self.post(
            "/api/v1/projects",
            json!({
                "code": code,
                "name": format!("{code}项目"),
                "investor_id": investor["id"],
                "team_id": team_id,
                "lead_on": "2025-01-10",
            }),
        )
        .await
        .expect(200)
    }

    /// Creates a user with a role (in a team, by name, for team roles) and returns its token.
    pub async fn token_for(&self, username: &str, role: &str, team: Option<&str>) -> String {
        let team_id = match team {
            Some(name) => Some(self.reference_id("teams", name).await),
            None => None,
        };
        let user = self
            .post(
                "/api/v1/users",
                json!({"username": username, "role": role, "team_id": team_id}),
            )
            .await
            .expect(200);
        let token = self
            .post("/api/v1/tokens", json!({"name": "tests", "user_id": user["id"]}))
            .await
            .expect(200);
        token["token"].as_str().unwrap().to_string()
    }

    /// Counts the rows of a table, to show a failed request changed nothing.
    pub async fn count(&self, table: &str) -> i64 {
        self.count_where(table, "TRUE").await
    }

    /// The rows of `table` that the SQL `condition` keeps.
    pub async fn count_where(&self, table: &str, condition: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table} WHERE {condition}"),
            ))
            .await
            .expect("count")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("n")
    }

    /// Every index of the database's tables, as its definition, in order of name.
    pub async fn indexes(&self) -> Vec<String> {
        let backend = self.db.get_database_backend();
        let sql = match backend {
            sea_orm::DatabaseBackend::Sqlite => {
                "SELECT COALESCE(sql, name) AS definition FROM sqlite_master WHERE type = 'index' ORDER BY name"
            }
            _ => "SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname",
        };
        self.db
            .query_all_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .expect("indexes")
            .iter()
            .map(|row| row.try_get::<String>("", "definition").expect("definition"))
            .collect()
    }

    /// Every foreign key of the schema, each as its table, name and definition (SQLite's have
    /// no names: their table, columns and the table and column they reference).
    pub async fn foreign_keys(&self) -> Vec<String> {
        let backend = self.db.get_database_backend();
        let sql = match backend {
            sea_orm::DatabaseBackend::Sqlite => {
                "SELECT m.name || ': ' || f.\"from\" || ' -> ' || f.\"table\" || '.' || f.\"to\" || ' ' || f.on_delete \
                 AS definition FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table' ORDER BY 1"
            }
            _ => {
                "SELECT t.relname || ' ' || c.conname || ': ' || pg_get_constraintdef(c.oid) AS definition \
                 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
                 WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace ORDER BY 1"
            }
        };
        self.db
            .query_all_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .expect("foreign keys")
            .iter()
            .map(|row| row.try_get::<String>("", "definition").expect("definition"))
            .collect()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(dir) = self.sqlite_dir.take() {
            std::fs::remove_dir_all(dir).ok();
        }
        if let Some((server, schema)) = self.pg_schema.take() {
            // Drop the test's schema on a thread and runtime of its own: Drop cannot await, and
            // waiting here would block the test's runtime, whose pool may still hold locks on the
            // schema until this value is gone. `.ci/run` also clears leftovers before a run.
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    if let Ok(admin) = db::connect(&server).await {
                        admin
                            .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .await
                            .ok();
                        admin.close().await.ok();
                    }
                });
            });
        }
    }
}
