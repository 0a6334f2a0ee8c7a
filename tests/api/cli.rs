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
    assert!(String::from_utf8_lossy(&short.stderr).contains("10 to 200 characters"));

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
