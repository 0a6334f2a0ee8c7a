//! Administration from the shell: on a database no server has started on yet, the command
//! line creates the administrator, issues tokens, creates users and sets passwords.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use zhaoshang::db;
use zhaoshang::service::auth::{self, LoginThrottle};

fn run(url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhaoshang"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env("RUST_LOG", "error")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zhaoshang");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().expect("zhaoshang ends")
}

#[tokio::test]
async fn users_tokens_and_passwords_from_the_shell_on_a_fresh_database() {
    let dir = std::env::temp_dir().join(format!("zs-cli-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());

    let token = run(&url, &["token", "create", "--user", "admin"], "");
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    assert!(
        String::from_utf8_lossy(&token.stdout).starts_with("zs_"),
        "the token is printed"
    );

    let created = run(
        &url,
        &["user", "create", "wang", "--role", "member", "--team-id", "1"],
        "",
    );
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    assert!(String::from_utf8_lossy(&created.stdout).contains("created user wang"));

    let refused = run(&url, &["user", "create", "li", "--role", "boss"], "");
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("unknown role `boss`") && said.contains("team_lead"),
        "{said}"
    );

    let short = run(&url, &["user", "password", "wang"], "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("应为10至200个字符"));

    let password = "大足-招商-secret-1";
    let set = run(&url, &["user", "password", "wang"], &format!("{password}\n"));
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));

    let db = db::connect(&url).await.unwrap();
    let throttle = LoginThrottle::default();
    auth::login(&db, &throttle, "127.0.0.1", "wang", password)
        .await
        .expect("the password set from the shell signs in");
    assert!(auth::login(&db, &throttle, "127.0.0.1", "wang", "short").await.is_err());
    db.close().await.ok();
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_missing_team_and_an_unconfirmed_rollback_are_refused() {
    let dir = std::env::temp_dir().join(format!("zs-cli-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());
    let output = dir.join("ledger.xlsx");
    let output = output.to_str().unwrap();

    let export = run(&url, &["export", "ledger", "-o", output, "--team-id", "99"], "");
    assert!(!export.status.success(), "an unknown team is not an empty workbook");
    assert!(String::from_utf8_lossy(&export.stderr).contains("--team-id 99: there is no task force"));
    assert!(!std::path::Path::new(output).exists());
    let report = run(&url, &["report", "-o", output, "--team-id", "99"], "");
    assert!(!report.status.success());

    let asked = run(&url, &["migrate", "down", "-n", "99"], "");
    assert!(!asked.status.success(), "nothing is dropped without --yes");
    assert!(String::from_utf8_lossy(&asked.stderr).contains("run again with --yes"));
    let status = run(&url, &["migrate", "status"], "");
    assert!(
        !String::from_utf8_lossy(&status.stdout).contains("Pending"),
        "every migration still applied"
    );

    let done = run(&url, &["migrate", "down", "--yes"], "");
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let status = run(&url, &["migrate", "status"], "");
    assert_eq!(String::from_utf8_lossy(&status.stdout).matches("Pending").count(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// On PostgreSQL, a database not created yet is named, with how to create it.
#[tokio::test]
async fn a_postgresql_database_not_created_yet_says_how_to_create_it() {
    let Ok(server) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    if !server.starts_with("postgres") {
        return;
    }
    let base = server.split('?').next().unwrap();
    let (host, _) = base.rsplit_once('/').unwrap();
    let name = format!("zs_missing_{:08x}", rand::random::<u32>());
    let status = run(&format!("{host}/{name}"), &["migrate", "status"], "");
    assert!(!status.status.success());
    let said = String::from_utf8_lossy(&status.stderr);
    assert!(
        said.contains(&format!("the PostgreSQL database `{name}` does not exist")) && said.contains("createdb"),
        "{said}"
    );
    assert!(!said.contains("at line"), "{said}");
}

/// `user list` shows every user with their role and task force; `user archive` archives one
/// through the users service (recorded in the audit trail), after which their token stops
/// working; the administrator the command line acts as cannot be archived. The first
/// administrator's token is there to be had at any time with `token create --user admin`.
#[tokio::test]
async fn users_are_listed_and_archived_from_the_shell() {
    let dir = std::env::temp_dir().join(format!("zs-cli-{:016x}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("cli.db").display());

    let created = run(
        &url,
        &[
            "user",
            "create",
            "wang",
            "--role",
            "member",
            "--team-id",
            "1",
            "--display-name",
            "王芳",
        ],
        "",
    );
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let token = run(&url, &["token", "create", "--user", "wang"], "");
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();

    let listed = run(&url, &["user", "list"], "");
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines[0], "id\tusername\tname\trole\tteam\tpassword\tarchived");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\tadmin\t") && l.contains("admin (管理员)")),
        "{listed}"
    );
    let wang = lines.iter().find(|l| l.contains("\twang\t")).expect("wang is listed");
    let columns: Vec<&str> = wang.split('\t').collect();
    assert_eq!(
        columns[2..],
        ["王芳", "member (专班成员)", columns[4], "no", "-"],
        "{wang}"
    );
    assert_ne!(columns[4], "-", "a member's task force is named: {wang}");

    let archived = run(&url, &["user", "archive", "wang"], "");
    assert!(
        archived.status.success(),
        "{}",
        String::from_utf8_lossy(&archived.stderr)
    );
    assert!(String::from_utf8_lossy(&archived.stdout).contains("archived wang"));
    let listed = run(&url, &["user", "list"], "");
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed
            .lines()
            .any(|l| l.contains("\twang\t") && l.ends_with("\tarchived")),
        "{listed}"
    );
    // Archived through the service: in the audit trail, and the token no longer works.
    let db = db::connect(&url).await.unwrap();
    let (cache, uses) = (auth::TokenCache::default(), auth::TokenUses::default());
    assert!(matches!(auth::authenticate(&cache, &uses, &db, &token).await, Ok(None)));
    let trail = sea_orm::ConnectionTrait::query_one_raw(
        &db,
        sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'user' AND action = 'update'",
        ),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(trail.try_get::<i64>("", "n").unwrap(), 1);
    db.close().await.ok();

    // The administrator the command line acts as stays; an unknown user is named.
    let refused = run(&url, &["user", "archive", "admin"], "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("archive themselves"));
    let unknown = run(&url, &["user", "archive", "nobody"], "");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("nobody"));
    // The first administrator's token, at any time.
    let again = run(&url, &["token", "create", "--user", "admin"], "");
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("zs_"));
    std::fs::remove_dir_all(&dir).ok();
}

/// On PostgreSQL, `serve` creates a database that does not exist yet when the server lets its
/// user (and prints the first administrator's token as on any fresh database); a user who may
/// not create databases is told in one line what to run.
#[tokio::test]
async fn serve_on_postgresql_creates_its_database_when_allowed() {
    let Ok(server) = std::env::var("TEST_DATABASE_URL") else {
        return;
    };
    if !server.starts_with("postgres") {
        return;
    }
    let base = server.split('?').next().unwrap();
    let (host, _) = base.rsplit_once('/').unwrap();
    let maintenance = db::connect(&format!("{host}/postgres")).await.unwrap();
    let exec = |sql: String| {
        let maintenance = maintenance.clone();
        async move { sea_orm::ConnectionTrait::execute_unprepared(&maintenance, &sql).await }
    };

    let name = format!("zs_created_{:08x}", rand::random::<u32>());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhaoshang"))
        .args(["--database-url", &format!("{host}/{name}"), "serve", "--bind"])
        .arg(format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zhaoshang serve");
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut said = vec![];
    while let Ok(line) = lines.recv_timeout(std::time::Duration::from_secs(60)) {
        let listening = line.contains("is listening");
        said.push(line);
        if listening {
            break;
        }
    }
    child.kill().ok();
    let ended = child.wait_with_output().unwrap();
    let said = said.join("\n");
    assert!(
        said.contains(&format!("created the PostgreSQL database `{name}`")) && said.contains("is listening"),
        "{said}\n{}",
        String::from_utf8_lossy(&ended.stderr)
    );
    assert!(
        said.contains("Admin token"),
        "a fresh database prints the first token: {said}"
    );
    let created = db::connect(&format!("{host}/{name}")).await.unwrap();
    let users = sea_orm::ConnectionTrait::query_one_raw(
        &created,
        sea_orm::Statement::from_string(created.get_database_backend(), "SELECT COUNT(*) AS n FROM users"),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        users.try_get::<i64>("", "n").unwrap(),
        1,
        "migrated, with its administrator"
    );
    created.close().await.ok();
    exec(format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.unwrap();

    // A user who may not create databases.
    let role = format!("zs_nocreate_{:08x}", rand::random::<u32>());
    exec(format!("CREATE ROLE {role} LOGIN NOCREATEDB")).await.unwrap();
    let (_, server_address) = host.split_once('@').unwrap();
    let refused = run(
        &format!("postgres://{role}@{server_address}/{name}"),
        &["serve", "--bind", "127.0.0.1:0"],
        "",
    );
    exec(format!("DROP ROLE {role}")).await.ok();
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains(&format!("`{name}` does not exist and could not be created"))
            && said.contains(&format!("createdb -O {role} {name}")),
        "{said}"
    );
    assert!(!said.contains("at line"), "{said}");
    maintenance.close().await.ok();
}
