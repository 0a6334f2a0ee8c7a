//! The web console's pages through the real app: signing in and out, the session cookie and
//! CSRF tokens, every page's status per role, its figures against the API's, pages of another
//! team's projects refused, and output escaped.

use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const ELEVATOR: &str = "智能电梯专班";
const HYDROGEN: &str = "氢能专班";
const PASSWORD: &str = "console-pass-1";

/// A browser signed in to the console: its session cookie and the CSRF token its pages carry.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

/// A page as the console answered it.
pub struct Page {
    pub status: StatusCode,
    pub headers: poem::http::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; page:\n{}", self.body);
        self
    }
}

/// The value of the hidden input `name` of a page.
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in:\n{body}"))
        + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_owned()
}

pub async fn send(app: &TestApp, method: Method, path: &str, cookie: &str, form: Option<&[(&str, &str)]>) -> Page {
    let mut request = app.client.request(method, path);
    if !cookie.is_empty() {
        request = request.header("cookie", cookie);
    }
    if let Some(form) = form {
        let body = serde_urlencoded::to_string(form).unwrap();
        request = request.content_type("application/x-www-form-urlencoded").body(body);
    }
    let response = request.send().await;
    let status = response.0.status();
    let headers = response.0.headers().clone();
    let body = response.0.into_body().into_string().await.unwrap_or_default();
    Page { status, headers, body }
}

/// The cookie `name=value` among a response's `Set-Cookie` headers.
fn cookie_of(page: &Page, name: &str) -> Option<String> {
    page.cookies()
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

impl<'a> Browser<'a> {
    /// Signs in through the sign-in form.
    pub async fn sign_in(app: &'a TestApp, username: &str, password: &str) -> Self {
        let form = send(app, Method::GET, "/login", "", None).await.expect(200);
        let login_cookie = cookie_of(&form, "zs_login").expect("the sign-in form's cookie");
        let csrf = hidden(&form.body, "csrf");
        let signed_in = send(
            app,
            Method::POST,
            "/login",
            &login_cookie,
            Some(&[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("next", "/"),
            ]),
        )
        .await
        .expect(303);
        let cookie = cookie_of(&signed_in, "zs_session").expect("a session cookie");
        let home = send(app, Method::GET, "/", &cookie, None).await.expect(200);
        let csrf = hidden(&home.body, "csrf");
        Self { app, cookie, csrf }
    }

    pub async fn get(&self, path: &str) -> Page {
        send(self.app, Method::GET, path, &self.cookie, None).await
    }

    /// Posts a form with the session's CSRF token.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let mut fields = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        send(self.app, Method::POST, path, &self.cookie, Some(&fields)).await
    }
}

/// A user with a role (in a team, by name) and a password; returns their API token.
pub async fn user_with_password(app: &TestApp, username: &str, role: &str, team: Option<&str>) -> String {
    let token = app.token_for(username, role, team).await;
    let me = app
        .send_as(Some(&token), Method::GET, "/api/v1/users/me", None)
        .await
        .expect(200);
    app.put(
        &format!("/api/v1/users/{}/password", me["id"]),
        json!({"password": PASSWORD}),
    )
    .await
    .expect(204);
    token
}

/// Signs a project through the API.
pub async fn sign(app: &TestApp, project: &Value, on: &str, wan: &str) {
    app.post(
        &format!("/api/v1/projects/{}/transitions", project["id"]),
        json!({"stage": "signed", "contract": {"agreement_type": "formal", "signed_on": on, "contracted_investment": wan}}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn signing_in_sets_a_cookie_scripts_cannot_read_and_signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    user_with_password(&app, "wang", "member", Some(ELEVATOR)).await;

    // Signed out, every page sends to the sign-in form, which says where to come back.
    let away = send(&app, Method::GET, "/?q=x", "", None).await.expect(303);
    assert_eq!(away.location(), "/login?next=/%3Fq%3Dx");
    let form = send(&app, Method::GET, "/login", "", None).await.expect(200);
    assert_eq!(
        form.headers.get("content-security-policy").unwrap(),
        zhaoshang::console::POLICY,
        "the console's own policy: nothing inline, nothing from elsewhere"
    );
    assert!(!zhaoshang::console::POLICY.contains("unsafe"));
    assert!(form.body.contains("lang=\"zh-CN\"") && form.body.contains("登录"));
    let login_cookie = cookie_of(&form, "zs_login").unwrap();
    let csrf = hidden(&form.body, "csrf");

    // Without the form's own value (another site's form), nothing is tried.
    let forged = send(
        &app,
        Method::POST,
        "/login",
        "",
        Some(&[("csrf", &csrf), ("username", "wang"), ("password", PASSWORD)]),
    )
    .await
    .expect(403);
    assert!(cookie_of(&forged, "zs_session").is_none());

    // A wrong password: the form again, in Chinese, and no session.
    let wrong = send(
        &app,
        Method::POST,
        "/login",
        &login_cookie,
        Some(&[("csrf", &csrf), ("username", "wang"), ("password", "not-the-password")]),
    )
    .await
    .expect(401);
    assert!(wrong.body.contains("class=\"error\""), "{}", wrong.body);
    assert!(cookie_of(&wrong, "zs_session").is_none());

    let signed_in = send(
        &app,
        Method::POST,
        "/login",
        &login_cookie,
        Some(&[
            ("csrf", &csrf),
            ("username", "wang"),
            ("password", PASSWORD),
            ("next", "//evil.example"),
        ]),
    )
    .await
    .expect(303);
    assert_eq!(signed_in.location(), "/", "only a path of this server is followed");
    let session = signed_in
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("zs_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43"] {
        assert!(session.contains(attribute), "{attribute}: {session}");
    }

    let browser = Browser::sign_in(&app, "wang", PASSWORD).await;
    let home = browser.get("/").await.expect(200);
    assert!(home.body.contains("wang（专班成员）") && home.body.contains(ELEVATOR));

    // Signing out without the session's CSRF token does nothing.
    send(&app, Method::POST, "/logout", &browser.cookie, Some(&[("csrf", "0")]))
        .await
        .expect(403);
    browser.get("/").await.expect(200);
    let out = browser.post("/logout", &[]).await.expect(303);
    assert_eq!(out.location(), "/login");
    assert!(
        out.cookies()
            .iter()
            .any(|c| c.starts_with("zs_session=;") && c.contains("Max-Age=0"))
    );
    // The token is revoked: the old cookie is nobody's any more.
    browser.get("/").await.expect(303);

    // A cookie that is no token, or an API token revoked, is nobody either.
    send(&app, Method::GET, "/", "zs_session=zs_0000", None)
        .await
        .expect(303);
}

#[tokio::test]
async fn the_home_page_shows_the_teams_rates_as_the_api_computes_them() {
    let app = TestApp::spawn().await;
    let member = user_with_password(&app, "wang", "member", Some(ELEVATOR)).await;
    let elevator = app.reference_id("teams", ELEVATOR).await;
    let year = chrono::Datelike::year(&zhaoshang::domain::today());
    app.put(
        &format!("/api/v1/targets/{year}/{elevator}"),
        json!({"projects_signed": 4, "contracted_investment": "1000", "funds_arrived": "200"}),
    )
    .await
    .expect(200);
    let ours = app.create_project("E-1", ELEVATOR).await;
    let theirs = app.create_project("H-1", HYDROGEN).await;
    let today = zhaoshang::domain::today().format("%Y-%m-%d").to_string();
    sign(&app, &ours, &today, "300").await;
    sign(&app, &theirs, &today, "500").await;

    let browser = Browser::sign_in(&app, "wang", PASSWORD).await;
    let home = browser.get("/").await.expect(200);
    let api = app
        .send_as(
            Some(&member),
            Method::GET,
            &format!("/api/v1/kpis?sign_basis=target&funds_basis=target&team_id={elevator}"),
            None,
        )
        .await
        .expect(200);
    let sign_rate = &api["overall"]["sign_rate"];
    assert_eq!(
        (sign_rate["numerator"].as_i64(), sign_rate["denominator"].as_i64()),
        (Some(1), Some(4))
    );
    assert!(home.body.contains("已签约1个 / 目标4个"), "{}", home.body);
    assert!(home.body.contains("25.0%"), "the API's 0.25: {}", sign_rate["rate"]);
    assert!(
        home.body.contains("目标200.00万元"),
        "the funds target in 万元 with its unit"
    );
    assert!(home.body.contains("序时进度"));
}

#[tokio::test]
async fn every_role_has_a_home_page() {
    let app = TestApp::spawn().await;
    for (name, role, team) in [
        ("member1", "member", Some(ELEVATOR)),
        ("lead1", "team_lead", Some(ELEVATOR)),
        ("leader1", "leader", None),
        ("admin1", "admin", None),
    ] {
        user_with_password(&app, name, role, team).await;
        let browser = Browser::sign_in(&app, name, PASSWORD).await;
        let home = browser.get("/").await.expect(200);
        assert!(home.body.contains("工作台"), "{role}");
        if team.is_none() {
            assert!(home.body.contains("全区"), "{role} sees the district");
        }
        assert!(home.body.contains("<html"));
        // htmx asking for the page gets the fragment, without the frame.
        let fragment = app
            .client
            .get("/")
            .header("cookie", &browser.cookie)
            .header("hx-request", "true")
            .send()
            .await;
        fragment.assert_status_is_ok();
        let fragment = fragment.0.into_body().into_string().await.unwrap();
        assert!(!fragment.contains("<html") && fragment.contains("工作台"), "{fragment}");
    }
}

#[tokio::test]
async fn the_consoles_assets_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let htmx = send(&app, Method::GET, "/static/htmx.min.js", "", None)
        .await
        .expect(200);
    assert!(htmx.body.starts_with("var htmx="));
    assert_eq!(
        htmx.headers.get("content-type").unwrap(),
        "text/javascript; charset=utf-8"
    );
    send(&app, Method::GET, "/static/console.css", "", None)
        .await
        .expect(200);
    send(&app, Method::GET, "/static/VENDORED.md", "", None)
        .await
        .expect(404);
    send(&app, Method::GET, "/static/../Cargo.toml", "", None)
        .await
        .expect(404);
}

async fn project_of(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/projects/{id}")).await.expect(200)
}

#[tokio::test]
async fn the_board_shows_the_teams_projects_by_stage_and_moves_them_by_the_stage_rules() {
    let app = TestApp::spawn().await;
    user_with_password(&app, "wang", "member", Some(ELEVATOR)).await;
    let ours = app.create_project("E-1", ELEVATOR).await;
    let theirs = app.create_project("H-1", HYDROGEN).await;
    let browser = Browser::sign_in(&app, "wang", PASSWORD).await;

    let board = browser.get("/board").await.expect(200);
    assert!(
        board.body.contains("E-1项目") && !board.body.contains("H-1项目"),
        "the team's rows only"
    );
    assert!(board.body.contains("data-stage=\"lead\"") && board.body.contains("data-stage=\"terminated\""));
    let hydrogen = app.reference_id("teams", HYDROGEN).await;
    browser.get(&format!("/board?team={hydrogen}")).await.expect(403);
    let found = browser.get("/board?q=E-1").await.expect(200);
    assert!(found.body.contains("E-1项目"));
    let none = browser.get("/board?q=nothing-like-it").await.expect(200);
    assert!(!none.body.contains("E-1项目"));

    let id = ours["id"].as_i64().unwrap();
    let form = browser
        .get(&format!("/projects/{id}/move?back=/board"))
        .await
        .expect(200);
    let version = hidden(&form.body, "version");
    assert!(form.body.contains("合同投资额（万元）"));

    // Without the CSRF token, nothing moves.
    send(
        &app,
        Method::POST,
        &format!("/projects/{id}/move"),
        &browser.cookie,
        Some(&[("to", "negotiating"), ("on", "2025-02-01"), ("version", &version)]),
    )
    .await
    .expect(403);
    assert_eq!(project_of(&app, id).await["stage"], "lead");

    let moved = browser
        .post(
            &format!("/projects/{id}/move"),
            &[
                ("to", "negotiating"),
                ("on", "2025-02-01"),
                ("version", &version),
                ("back", "/board"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(moved.location(), "/board");
    let project = project_of(&app, id).await;
    assert_eq!(
        (&project["stage"], &project["stage_dates"]["negotiating_on"]),
        (&json!("negotiating"), &json!("2025-02-01"))
    );

    // The version read before the move is stale now: said so, nothing changed.
    let stale = browser
        .post(
            &format!("/projects/{id}/move"),
            &[
                ("to", "lead"),
                ("on", "2025-02-02"),
                ("reason", "退回"),
                ("version", &version),
            ],
        )
        .await
        .expect(409);
    assert!(stale.body.contains("class=\"error\""));
    let version = project["version"].to_string();

    // Signing without contract terms is refused by the stage rule, shown beside the form.
    let refused = browser
        .post(
            &format!("/projects/{id}/move"),
            &[("to", "signed"), ("on", "2025-03-01"), ("version", &version)],
        )
        .await
        .expect(422);
    assert!(refused.body.contains("class=\"error\"") && refused.body.contains("E-1项目"));
    assert!(
        refused.body.contains("签约需要合同条款"),
        "the rule's refusal in Chinese: {}",
        refused.body
    );
    let bad_amount = browser
        .post(
            &format!("/projects/{id}/move"),
            &[
                ("to", "signed"),
                ("on", "2025-03-01"),
                ("version", &version),
                ("contracted_investment", "一千"),
            ],
        )
        .await
        .expect(422);
    assert!(bad_amount.body.contains("不是金额"));
    browser
        .post(
            &format!("/projects/{id}/move"),
            &[
                ("to", "signed"),
                ("on", "2025-03-01"),
                ("version", &version),
                ("agreement_type", "formal"),
                ("contracted_investment", "1250.5"),
                ("promised_production_on", "2026-03-01"),
            ],
        )
        .await
        .expect(303);
    let contract = app.get(&format!("/api/v1/projects/{id}/contract")).await.expect(200);
    assert_eq!(
        (&contract["signed_on"], &contract["contracted_investment"]),
        (&json!("2025-03-01"), &json!("1250.5000"))
    );
    let board = browser.get("/board").await.expect(200);
    assert!(
        board.body.contains("合同 1250.50万元"),
        "the contracted amount in 万元 with its unit"
    );

    // Another team's project: neither its form nor its move.
    let other = theirs["id"].as_i64().unwrap();
    browser.get(&format!("/projects/{other}/move")).await.expect(403);
    browser
        .post(
            &format!("/projects/{other}/move"),
            &[("to", "negotiating"), ("on", "2025-02-01")],
        )
        .await
        .expect(403);
    assert_eq!(project_of(&app, other).await["stage"], "lead");
    browser.get("/projects/999999/move").await.expect(404);
}

#[tokio::test]
async fn a_leader_sees_every_team_on_the_board_and_moves_nothing() {
    let app = TestApp::spawn().await;
    user_with_password(&app, "leader1", "leader", None).await;
    let ours = app.create_project("E-1", ELEVATOR).await;
    app.create_project("H-1", HYDROGEN).await;
    let browser = Browser::sign_in(&app, "leader1", PASSWORD).await;
    let board = browser.get("/board").await.expect(200);
    assert!(board.body.contains("E-1项目") && board.body.contains("H-1项目") && board.body.contains("全部专班"));
    let id = ours["id"].as_i64().unwrap();
    browser
        .post(
            &format!("/projects/{id}/move"),
            &[("to", "negotiating"), ("on", "2025-02-01")],
        )
        .await
        .expect(403);
}

#[tokio::test]
async fn projects_are_listed_created_edited_and_recorded_through_the_services() {
    let app = TestApp::spawn().await;
    user_with_password(&app, "wang", "member", Some(ELEVATOR)).await;
    app.create_project("E-1", ELEVATOR).await;
    let theirs = app.create_project("H-1", HYDROGEN).await;
    let browser = Browser::sign_in(&app, "wang", PASSWORD).await;

    // A new project, whose name a browser must show as text.
    let new = browser.get("/projects/new").await.expect(200);
    assert!(
        new.body.contains(ELEVATOR) && !new.body.contains(HYDROGEN),
        "a member logs their own team's"
    );
    let evil = "<script>alert(1)</script>电梯";
    let created = browser
        .post(
            "/projects",
            &[
                ("name", evil),
                ("investor", "上海某某电梯有限公司"),
                ("lead_on", "2025-01-05"),
                ("planned_investment", "800"),
            ],
        )
        .await
        .expect(303);
    let path = created.location().to_owned();
    let id: i64 = path.trim_start_matches("/projects/").parse().unwrap();
    let api = project_of(&app, id).await;
    assert_eq!(
        (&api["name"], &api["planned_investment"]),
        (&json!(evil), &json!("800.0000"))
    );
    let page = browser.get(&path).await.expect(200);
    assert!(!page.body.contains("<script>alert"), "escaped");
    let shown: Vec<&str> = page.body.lines().filter(|l| l.contains("alert(1)")).collect();
    assert!(
        page.body.contains("&#60;script&#62;alert(1)"),
        "shown as text: {shown:?}"
    );
    assert!(page.body.contains("800.00万元") && page.body.contains("上海某某电梯有限公司"));
    let refused = browser
        .post("/projects", &[("name", ""), ("lead_on", "2025-01-05")])
        .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.body);
    assert!(refused.body.contains("class=\"error\""));

    // The list: the team's only, sorted, filtered, paged.
    let list = browser.get("/projects?sort=code&order=asc").await.expect(200);
    assert!(list.body.contains("E-1项目") && !list.body.contains("H-1项目"));
    assert!(list.body.contains("aria-sort=\"ascending\""));
    let filtered = browser.get("/projects?stage=signed").await.expect(200);
    assert!(!filtered.body.contains("E-1项目"));

    // Editing at the version shown; a second edit from the same stale page is said so.
    let version = hidden(&page.body, "version");
    browser
        .post(
            &path,
            &[
                ("version", &version),
                ("name", "电梯总部项目"),
                ("planned_investment", "900"),
                ("progress", "已洽谈两轮"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(project_of(&app, id).await["progress"], "已洽谈两轮");
    let stale = browser
        .post(
            &path,
            &[("version", &version), ("name", "别的名字"), ("planned_investment", "1")],
        )
        .await
        .expect(409);
    assert!(stale.body.contains("已有其他人修改了这个项目") && stale.body.contains("电梯总部项目"));
    assert_eq!(project_of(&app, id).await["name"], "电梯总部项目");

    // A visit, a payment, its removal; each in the audit trail shown on the page.
    browser
        .post(
            &format!("{path}/activities"),
            &[
                ("occurred_on", "2025-01-06"),
                ("kind", "visit_out"),
                ("summary", "赴上海拜访"),
                ("next_step", "报送方案"),
                ("due_on", "2025-01-20"),
            ],
        )
        .await
        .expect(303);
    let activities = app.get(&format!("/api/v1/projects/{id}/activities")).await.expect(200);
    assert_eq!(activities[0]["summary"], "赴上海拜访");
    let unsigned = browser
        .post(
            &format!("{path}/payments"),
            &[("arrived_on", "2025-01-07"), ("amount", "12.5")],
        )
        .await
        .expect(422);
    assert!(
        unsigned.body.contains("尚未签约"),
        "the service's rule, beside the payment form"
    );
    sign(&app, &json!({"id": id}), "2025-01-06", "1000").await;
    browser
        .post(
            &format!("{path}/payments"),
            &[
                ("arrived_on", "2025-01-07"),
                ("amount", "12.5"),
                ("kind", "fixed_asset"),
                ("counted", "1"),
            ],
        )
        .await
        .expect(303);
    let fundings = app.get(&format!("/api/v1/projects/{id}/fundings")).await.expect(200);
    assert_eq!(
        (&fundings[0]["amount"], &fundings[0]["counted"]),
        (&json!("12.5000"), &json!(true))
    );
    let refused = browser
        .post(
            &format!("{path}/payments"),
            &[("arrived_on", "2099-01-01"), ("amount", "1")],
        )
        .await;
    assert_eq!(
        refused.status.as_u16(),
        422,
        "a date later than today: {}",
        refused.body
    );
    let page = browser.get(&path).await.expect(200);
    assert!(page.body.contains("12.50万元") && page.body.contains("赴上海拜访") && page.body.contains("2025-01-07"));
    assert!(
        page.body.contains("新建项目") && page.body.contains("新增到位资金"),
        "the trail and the forms"
    );
    let payment = fundings[0]["id"].as_i64().unwrap();
    browser
        .post(&format!("{path}/payments/{payment}/delete"), &[])
        .await
        .expect(303);
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}/fundings")).await.expect(200),
        json!([])
    );

    // Another team's project: not its page, not its records.
    let other = theirs["id"].as_i64().unwrap();
    browser.get(&format!("/projects/{other}")).await.expect(403);
    browser
        .post(
            &format!("/projects/{other}/payments"),
            &[("arrived_on", "2025-01-07"), ("amount", "1")],
        )
        .await
        .expect(403);
    browser
        .post(
            &format!("/projects/{other}/activities"),
            &[("occurred_on", "2025-01-07"), ("summary", "x")],
        )
        .await
        .expect(403);
    browser
        .post(&format!("/projects/{other}"), &[("version", "1"), ("name", "x")])
        .await
        .expect(403);
    assert_eq!(
        app.get(&format!("/api/v1/projects/{other}/fundings")).await.expect(200),
        json!([])
    );
    browser.get("/projects/999999").await.expect(404);
    // Without the CSRF token, nothing is recorded.
    send(
        &app,
        Method::POST,
        &format!("{path}/payments"),
        &browser.cookie,
        Some(&[("arrived_on", "2025-01-07"), ("amount", "1")]),
    )
    .await
    .expect(403);
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}/fundings")).await.expect(200),
        json!([])
    );
}

#[tokio::test]
async fn every_page_answers_each_role_as_the_api_does() {
    let app = TestApp::spawn().await;
    let ours = app.create_project("E-1", ELEVATOR).await;
    let theirs = app.create_project("H-1", HYDROGEN).await;
    let (ours, theirs) = (ours["id"].as_i64().unwrap(), theirs["id"].as_i64().unwrap());
    let elevator = app.reference_id("teams", ELEVATOR).await.to_string();
    for (name, role, team, other_team) in [
        ("member1", "member", Some(ELEVATOR), 403),
        ("lead1", "team_lead", Some(ELEVATOR), 403),
        ("leader1", "leader", None, 200),
        ("admin1", "admin", None, 200),
    ] {
        let token = user_with_password(&app, name, role, team).await;
        let browser = Browser::sign_in(&app, name, PASSWORD).await;
        for path in [
            "/",
            "/board",
            "/projects",
            "/projects/new",
            "/projects?page=2&sort=name",
        ] {
            browser.get(path).await.expect(200);
        }
        browser.get(&format!("/projects/{ours}")).await.expect(200);
        browser.get(&format!("/projects/{ours}/move")).await.expect(200);
        let api = app
            .send_as(Some(&token), Method::GET, &format!("/api/v1/projects/{theirs}"), None)
            .await;
        assert_eq!(api.status.as_u16(), other_team, "{role}: the API's answer");
        browser.get(&format!("/projects/{theirs}")).await.expect(other_team);
        // Only those who may write projects create one; a leader reads and writes nothing.
        let created = browser
            .post(
                "/projects",
                &[
                    ("name", &format!("{name}的项目")),
                    ("lead_on", "2025-01-05"),
                    ("team", &elevator),
                ],
            )
            .await;
        let expected = if role == "leader" { 403 } else { 303 };
        assert_eq!(created.status.as_u16(), expected, "{role}: {}", created.body);
    }
}
