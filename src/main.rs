//! The `zhaoshang` command: serve the API (the default), load the demo district, run
//! migrations, issue tokens, import ledgers.

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use poem::Server;
use poem::listener::TcpListener;
use sea_orm::DatabaseConnection;
use tracing_subscriber::EnvFilter;
use zhaoshang::db::list_cache::ListCache;
use zhaoshang::excel::export::{HeaderLanguage, LedgerHeading};
use zhaoshang::service::bulletin::{self, BulletinKind, BulletinParams};
use zhaoshang::service::import::{self, ImportOptions, ImportProgress, ImportStatus};
use zhaoshang::service::kpi::Scope;
use zhaoshang::service::projects::ProjectFilter;
use zhaoshang::service::publications::{self, PublishParams};
use zhaoshang::service::report::{self, ReportParams};
use zhaoshang::service::{Actor, ServiceError, auth, demo, export, users};
use zhaoshang::{AppState, app, db};

#[derive(Debug, Parser)]
#[command(
    name = "zhaoshang",
    version,
    about = "Investment-promotion CRM of a district's task forces"
)]
struct Cli {
    /// Database URL: `sqlite://FILE?mode=rwc` or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        // The URL may hold a password: `--help` does not print the variable's value.
        hide_env_values = true,
        default_value = "sqlite://zhaoshang.db?mode=rwc",
        global = true
    )]
    database_url: String,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve(ServeArgs),
    /// Serve with the demo district loaded (same as `serve --demo`).
    Demo(ServeArgs),
    /// Apply, roll back or list schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Write a workbook: the ledger of every project, or the fill-in template.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Write the leadership report workbook for a period.
    Report {
        /// Where to write the workbook.
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// First day of the period (YYYY-MM-DD); defaults to 1 January of the as-of year.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day of the period; defaults to the as-of date.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// The date the figures are counted to; defaults to today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Only this task force (its id).
        #[arg(long)]
        team_id: Option<i32>,
    },
    /// Write a bulletin as a Word document: the monthly bulletin (月通报), the quarterly
    /// ranking (季亮晒) or the weekly supervision list (周督查), as `GET /api/v1/bulletins/{kind}`
    /// does; with --publish, publish it frozen first (as `POST /api/v1/publications`).
    Bulletin {
        /// monthly, quarterly or weekly.
        kind: String,
        /// Where to write the document (.docx).
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// 2026-11 (monthly) or 2026-Q3 (quarterly); defaults to the last one ended by the
        /// as-of date. A weekly list takes none.
        #[arg(long)]
        period: Option<String>,
        /// The date the figures are counted to; defaults to today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Publish it (frozen; a period already published needs --reason and becomes the
        /// next version).
        #[arg(long)]
        publish: bool,
        /// Why a period already published is published again.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Manage bearer tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Create, list and archive users and set passwords, as the administrator.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Import a ledger (台账) workbook, as `POST /api/v1/imports` does. Exits with 0 when
    /// imported (or when a dry run finds nothing wrong), 2 when the file is rejected.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The ledger, an .xlsx workbook.
    file: PathBuf,
    /// Check and report everything, store nothing.
    #[arg(long)]
    dry_run: bool,
    /// The as-of date (统计截至), YYYY-MM-DD, instead of the one in the ledger's title lines.
    #[arg(long)]
    as_of: Option<chrono::NaiveDate>,
    /// Create teams, clusters and parks the ledger names but the system does not know.
    #[arg(long)]
    create_missing: bool,
    /// Allow stage moves backwards and reopening terminated projects.
    #[arg(long)]
    allow_backward: bool,
    /// The user the import is recorded for. On a database without users, `admin` is created
    /// as at first start.
    #[arg(long, default_value = "admin")]
    user: String,
}

#[derive(Debug, Clone, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ZHAOSHANG_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Load the 大足 demo pipeline (24 task forces, a few hundred projects) if the database
    /// has no projects yet, and print a fresh admin token.
    #[arg(long)]
    demo: bool,
}

#[derive(Debug, Subcommand)]
enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last migration (or `-n N`): their tables are dropped with their data, so
    /// it asks for `--yes`.
    Down {
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
        /// Yes, drop the tables of the migrations rolled back, and the data in them.
        #[arg(long)]
        yes: bool,
    },
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Debug, Subcommand)]
enum ExportWhat {
    /// The ledger of every project (or one team's), in the import's column layout.
    Ledger {
        /// Where to write the workbook.
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// Only this task force's projects (its id).
        #[arg(long)]
        team_id: Option<i32>,
        /// Count fund figures up to this date (YYYY-MM-DD); defaults to today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Write English headers instead of Chinese ones.
        #[arg(long)]
        english: bool,
    },
    /// A blank ledger with drop-down lists and an instructions sheet.
    Template {
        /// Where to write the workbook.
        #[arg(short, long)]
        output: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Issue a token for a user and print it once.
    Create {
        /// The user's username.
        #[arg(long)]
        user: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// List a user's tokens (never their secrets).
    List {
        /// The user's username.
        #[arg(long)]
        user: String,
    },
    /// Revoke a token by its id; it stops working at once.
    Revoke {
        /// The token's id, as `token list` shows it.
        id: i32,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Create a user, e.g. `user create wang --role member --team-id 3`; then set a password
    /// (`user password wang`) or issue a token (`token create --user wang`).
    Create {
        /// The sign-in name: 2 to 64 letters, digits, `_`, `-` or `.`.
        username: String,
        /// admin, leader, team_lead or member.
        #[arg(long)]
        role: String,
        /// The task force (its id) of a team lead or member.
        #[arg(long)]
        team_id: Option<i32>,
        /// The name shown to others; the username when not given.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Set a user's password, read from the first line of standard input so that it stays
    /// out of the command line and the shell's history: `zhaoshang user password admin`, then
    /// type it and press Enter (or pipe it in).
    Password {
        /// Whose password.
        username: String,
    },
    /// List every user: id, username, name shown, role, task force, whether they have a
    /// password and whether they are archived.
    List,
    /// Archive a user: they can no longer sign in and their tokens stop working. Recorded in
    /// the audit trail; nobody archives the administrator the command line acts as (`admin`).
    Archive {
        /// Whom to archive.
        username: String,
    },
}

/// mimalloc instead of the system allocator: a ledger import allocates millions of small
/// strings and values, and glibc's malloc spent a third of an import's CPU time (measured
/// with `perf` on a 100,000-row import).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn")),
        )
        .init();
    let mut cli = Cli::parse();
    if cli.command.is_none() {
        // `serve` is the default command: parse again as if it had been named, so its options
        // still come from the environment (`ZHAOSHANG_BIND`).
        cli = Cli::parse_from(std::env::args_os().chain(std::iter::once("serve".into())));
    }
    let Some(command) = cli.command else {
        unreachable!("`serve` was appended to the command line")
    };
    match command {
        Command::Serve(args) => serve(&cli.database_url, args).await,
        Command::Demo(args) => serve(&cli.database_url, ServeArgs { demo: true, ..args }).await,
        Command::Migrate { action } => {
            let db = db::connect(&cli.database_url)
                .await
                .context("connecting to the database")?;
            match action {
                MigrateAction::Up => Migrator::up(&db, None).await?,
                MigrateAction::Down { steps, yes } => {
                    let applied = Migrator::get_applied_migrations(&db).await?;
                    let undone: Vec<String> = applied
                        .iter()
                        .rev()
                        .take(steps as usize)
                        .map(|m| m.name().to_owned())
                        .collect();
                    if !yes {
                        anyhow::bail!(
                            "rolling back {} migration(s) drops their tables and the data in them: {}; run again with --yes to do it",
                            undone.len(),
                            undone.join(", ")
                        );
                    }
                    Migrator::down(&db, Some(steps)).await?;
                    println!("rolled back: {}", undone.join(", "));
                }
                MigrateAction::Status => {
                    for migration in Migrator::get_migration_with_status(&db).await? {
                        println!("{:?}\t{}", migration.status(), migration.name());
                    }
                }
            }
            Ok(())
        }
        Command::Export { what } => {
            let (db, actor) = open_as_admin(&cli.database_url).await?;
            let today = zhaoshang::domain::today();
            let heading = |as_of, language| LedgerHeading {
                title: "招商引资项目台账".into(),
                reporting_unit: "招商专班".into(),
                as_of,
                language,
            };
            let (bytes, output) = match what {
                ExportWhat::Ledger {
                    output,
                    team_id,
                    as_of,
                    english,
                } => {
                    check_team(&db, team_id).await?;
                    let language = if english {
                        HeaderLanguage::English
                    } else {
                        HeaderLanguage::Chinese
                    };
                    let filter = ProjectFilter {
                        team_id,
                        ..Default::default()
                    };
                    let written =
                        export::ledger(&db, &actor, &filter, &heading(as_of.unwrap_or(today), language)).await?;
                    warn_of_cuts(written.cut_cells);
                    (written.bytes, output)
                }
                ExportWhat::Template { output } => (
                    export::template(&db, &heading(today, HeaderLanguage::Chinese)).await?,
                    output,
                ),
            };
            std::fs::write(&output, bytes).with_context(|| format!("writing {}", output.display()))?;
            println!("wrote {}", output.display());
            Ok(())
        }
        Command::Report {
            output,
            from,
            to,
            as_of,
            team_id,
        } => {
            let (db, actor) = open_as_admin(&cli.database_url).await?;
            check_team(&db, team_id).await?;
            let as_of = as_of.unwrap_or_else(zhaoshang::domain::today);
            let (from, to) = zhaoshang::domain::date::period_or_year_to_date(from, to, Some(as_of));
            let params = ReportParams {
                from,
                to,
                as_of: Some(as_of),
                scope: Scope {
                    team_id,
                    ..Default::default()
                },
            };
            let reader = db::connect_reader(&cli.database_url, &db).await?;
            let (_, written) = report::kpi_report(&reader, &actor, params).await?;
            warn_of_cuts(written.cut_cells);
            std::fs::write(&output, written.bytes).with_context(|| format!("writing {}", output.display()))?;
            println!("wrote {}", output.display());
            Ok(())
        }
        Command::Bulletin {
            kind,
            output,
            period,
            as_of,
            publish,
            reason,
        } => {
            let kind = BulletinKind::parse(&kind)
                .ok_or_else(|| anyhow::anyhow!("unknown bulletin `{kind}`: choose monthly, quarterly or weekly"))?;
            let (db, actor) = open_as_admin(&cli.database_url).await?;
            let params = BulletinParams { kind, period, as_of };
            let document = if publish {
                let published = publications::publish(
                    &db,
                    &actor,
                    PublishParams {
                        bulletin: params,
                        reason,
                    },
                )
                .await?;
                println!(
                    "published {} {} version {} (id {}, sha256 {})",
                    kind.as_str(),
                    published.period_key,
                    published.version,
                    published.id,
                    published.document_sha256
                );
                publications::publication_document(&db, &actor, published.id).await?.1
            } else {
                let reader = db::connect_reader(&cli.database_url, &db).await?;
                bulletin::bulletin(&reader, &actor, &params).await?.document
            };
            std::fs::write(&output, document).with_context(|| format!("writing {}", output.display()))?;
            println!("wrote {}", output.display());
            Ok(())
        }
        Command::User { action } => {
            let (db, actor) = open_as_admin(&cli.database_url).await?;
            match action {
                UserAction::Create {
                    username,
                    role,
                    team_id,
                    display_name,
                } => {
                    let role: entity::enums::Role = serde_json::from_value(serde_json::Value::String(role.clone()))
                        .map_err(|_| {
                            anyhow::anyhow!("unknown role `{role}`: choose admin, leader, team_lead or member")
                        })?;
                    let input = users::UserInput {
                        display_name: display_name.unwrap_or_else(|| username.clone()),
                        username,
                        role,
                        team_id,
                        archived: false,
                    };
                    let created = users::create_user(&db, &actor, input).await?;
                    println!("created user {} (id {})", created.username, created.id);
                }
                UserAction::Password { username } => {
                    let owner = users::find_by_username(&db, &username).await?;
                    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                        eprint!("{username} 的新密码（10 到 200 个字符，输入时可见），回车结束：");
                    }
                    let mut password = String::new();
                    std::io::stdin()
                        .read_line(&mut password)
                        .context("reading the password from standard input")?;
                    let password = password.trim_end_matches(['\r', '\n']);
                    auth::set_password(&db, &actor, owner.id, password).await?;
                    println!("password set for {username}; sign in with POST /api/v1/sessions");
                }
                UserAction::List => list_users(&db, &actor).await?,
                UserAction::Archive { username } => {
                    let user = users::find_by_username(&db, &username).await?;
                    if user.archived {
                        println!("{username} is already archived");
                    } else {
                        let input = users::UserInput {
                            username: user.username.clone(),
                            display_name: user.display_name.clone(),
                            role: user.role,
                            team_id: user.team_id,
                            archived: true,
                        };
                        users::update_user(&db, &actor, user.id, input, user.version).await?;
                        println!("archived {username}: they can no longer sign in, and their tokens stop working");
                    }
                }
            }
            Ok(())
        }
        Command::Token { action } => {
            let (db, actor) = open_as_admin(&cli.database_url).await?;
            match action {
                TokenAction::Create { user, name } => {
                    let owner = users::find_by_username(&db, &user).await?;
                    let (token, _) = auth::create_token(&db, &actor, Some(owner.id), &name, None).await?;
                    println!("{token}");
                }
                TokenAction::List { user } => {
                    let owner = users::find_by_username(&db, &user).await?;
                    let show = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or("-".to_string(), |t| t.to_rfc3339());
                    println!("id\tname\tcreated\texpires\tlast used\trevoked");
                    for token in auth::list_tokens(&db, &Default::default(), &actor, Some(owner.id)).await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}",
                            token.id,
                            token.name,
                            token.created_at.to_rfc3339(),
                            show(token.expires_at),
                            show(token.last_used_at),
                            show(token.revoked_at)
                        );
                    }
                }
                TokenAction::Revoke { id } => {
                    let revoked = auth::revoke_token(&db, &actor, id).await?;
                    println!("revoked token {} ({})", revoked.id, revoked.name);
                }
            }
            Ok(())
        }
        Command::Import(args) => import_ledger(&cli.database_url, args).await,
    }
}

/// Opens (and migrates) the database for a command that acts as the administrator: whoever
/// runs the command line holds the database.
async fn open_as_admin(database_url: &str) -> anyhow::Result<(DatabaseConnection, Actor)> {
    let db = db::connect_and_migrate(database_url)
        .await
        .context("opening the database")?;
    // On a database no server has started on yet, the administrator is created here.
    let actor = import_actor(&db, "admin").await?;
    Ok((db, actor))
}

/// Prints every user, one a line, tab-separated under a header.
async fn list_users(db: &DatabaseConnection, actor: &Actor) -> anyhow::Result<()> {
    let teams: std::collections::HashMap<i32, String> =
        zhaoshang::service::reference::list::<entity::team::Entity>(db, true)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
    println!("id\tusername\tname\trole\tteam\tpassword\tarchived");
    for user in users::list_users(db, actor).await? {
        let team = user.team_id.and_then(|id| teams.get(&id)).map_or("-", String::as_str);
        let role = serde_json::to_value(user.role)?;
        println!(
            "{}\t{}\t{}\t{} ({})\t{}\t{}\t{}",
            user.id,
            user.username,
            user.display_name,
            role.as_str().unwrap_or_default(),
            zhaoshang::domain::access::role_label(user.role),
            team,
            if user.password_hash.is_some() { "yes" } else { "no" },
            if user.archived { "archived" } else { "-" },
        );
    }
    Ok(())
}

/// Fails for `--team-id` naming no task force, rather than writing an empty workbook.
async fn check_team(db: &DatabaseConnection, team_id: Option<i32>) -> anyhow::Result<()> {
    if let Some(id) = team_id {
        zhaoshang::service::reference::get::<entity::team::Entity>(db, id)
            .await
            .map_err(|_| anyhow::anyhow!("--team-id {id}: there is no task force with that id"))?;
    }
    Ok(())
}

/// `zhaoshang import`: the same import as the API's, with a progress bar and the report
/// printed for a person.
async fn import_ledger(database_url: &str, args: ImportArgs) -> anyhow::Result<()> {
    let db = db::connect_and_migrate(database_url)
        .await
        .context("opening and migrating the database")?;
    let actor = import_actor(&db, &args.user).await?;
    let options = ImportOptions {
        dry_run: args.dry_run,
        as_of: args.as_of,
        create_missing: args.create_missing,
        allow_backward: args.allow_backward,
        ..ImportOptions::new(
            args.file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "ledger.xlsx".into()),
        )
    };
    // Read one byte past the limit at most: the import rejects (and records) a larger file.
    let mut bytes = Vec::new();
    std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?
        .take(options.limits.max_file_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", args.file.display()))?;

    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message("读取工作簿…");
    let style = indicatif::ProgressStyle::with_template("{msg:8} [{bar:40}] {pos}/{len} 行 ({eta})")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    let progress = {
        let bar = bar.clone();
        move |p: ImportProgress| match p {
            ImportProgress::Reading => bar.set_message("读取工作簿…"),
            // How many rows the file holds shows only once it is read: a count until then.
            ImportProgress::Checking { done } => bar.set_message(format!("读取、核对并写入 {done} 行…")),
            ImportProgress::Writing { done, total } => {
                if bar.length() != Some(total) {
                    bar.set_style(style.clone());
                    bar.set_length(total);
                }
                bar.set_message("更新");
                bar.set_position(done);
            }
        }
    };
    let report = import::import_ledger(&db, bytes, options, &actor, Some(&progress))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    print!("{}", report.to_text());
    if report.status == ImportStatus::Rejected {
        db.close().await.ok();
        std::process::exit(2);
    }
    Ok(())
}

/// Tells the person at the terminal that a workbook has texts cut to fit Excel's cells.
fn warn_of_cuts(cut_cells: usize) {
    if cut_cells > 0 {
        eprintln!(
            "note: {cut_cells} cell(s) held more text than Excel allows and were cut, marked with {}; the sheet {} lists them",
            zhaoshang::excel::cell::CUT_MARK,
            zhaoshang::excel::cell::CUT_NOTES_SHEET
        );
    }
}

/// The user an import from the command line is recorded for; `admin`, created on a database no
/// server has started on yet.
async fn import_actor(db: &DatabaseConnection, username: &str) -> anyhow::Result<Actor> {
    let user = match users::find_by_username(db, username).await {
        Ok(user) => user,
        Err(ServiceError::NotFound { .. }) if username == "admin" => {
            if ensure_admin(db).await?.is_some() {
                eprintln!("已创建管理员用户 admin（可用 `zhaoshang token create --user admin` 签发令牌）");
            }
            users::find_by_username(db, username)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
        }
        Err(e) => anyhow::bail!("no user `{username}`: {e}"),
    };
    Ok(Actor {
        user_id: user.id,
        username: user.username,
        role: user.role,
        team_id: user.team_id,
    })
}

async fn serve(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let (db, created) = db::connect_and_migrate_creating(database_url)
        .await
        .context("opening and migrating the database")?;
    if let Some(name) = created {
        println!("created the PostgreSQL database `{name}`");
    }
    let first_token = ensure_admin(&db).await?;
    // Imports still running in the history were cut short by the previous process's end.
    let interrupted = import::mark_interrupted(&db).await?;
    if interrupted > 0 {
        tracing::warn!(
            imports = interrupted,
            "imports cut short by the last stop are marked interrupted"
        );
    }
    let demo_token = if args.demo {
        let loaded = demo::load(&db, zhaoshang::domain::today()).await?;
        if loaded > 0 {
            tracing::info!(projects = loaded, "demo district loaded");
        }
        match first_token {
            Some(_) => None,
            None => Some(auth::issue_token_for(&db, "admin", "demo").await?),
        }
    } else {
        None
    };
    let url = format!("http://{}", args.bind);
    if let Some(token) = first_token.or(demo_token) {
        println!("Admin token (shown once; click Authorize in the Swagger UI and paste it):\n    {token}");
    }
    println!("zhaoshang is listening on {url}");
    println!("  Swagger UI: {url}/docs");
    println!("  OpenAPI:    {url}/openapi.json");
    let reader = db::connect_reader(database_url, &db)
        .await
        .context("opening the database's readers")?;
    let lists = ListCache::open(database_url)
        .await
        .context("opening the database's version probe")?;
    let listener = TcpListener::bind(args.bind);
    let state = AppState::with_reader(db, reader).with_lists(lists);
    let token_uses = state.write_token_uses_every();
    let served = Server::new(listener)
        .run_with_graceful_shutdown(
            app(state.clone()),
            shutdown_signal(),
            Some(std::time::Duration::from_secs(10)),
        )
        .await;
    token_uses.abort();
    state.write_token_uses().await;
    Ok(served?)
}

/// On first start, creates the `admin` user and returns its first token.
async fn ensure_admin(db: &DatabaseConnection) -> anyhow::Result<Option<String>> {
    if users::count_users(db).await? > 0 {
        return Ok(None);
    }
    let admin = users::bootstrap_admin(db).await?;
    let (token, _) = auth::issue_token(db, admin.id, "first start", None).await?;
    Ok(Some(token))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
