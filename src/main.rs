//! The `zhaoshang` command: serve the API (the default), load the demo district, run
//! migrations, issue tokens.

use std::net::SocketAddr;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use migration::{Migrator, MigratorTrait};
use poem::Server;
use poem::listener::TcpListener;
use sea_orm::DatabaseConnection;
use tracing_subscriber::EnvFilter;
use zhaoshang::excel::export::{HeaderLanguage, LedgerHeading};
use zhaoshang::service::kpi::Scope;
use zhaoshang::service::projects::ProjectFilter;
use zhaoshang::service::report::{self, ReportParams};
use zhaoshang::service::{Actor, auth, demo, export, users};
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
    /// Manage bearer tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
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
    /// Roll back the last migration (or `-n N`).
    Down {
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn")),
        )
        .init();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs {
        bind: "127.0.0.1:8080".parse()?,
        demo: false,
    }));
    match command {
        Command::Serve(args) => serve(&cli.database_url, args).await,
        Command::Demo(args) => serve(&cli.database_url, ServeArgs { demo: true, ..args }).await,
        Command::Migrate { action } => {
            let db = db::connect(&cli.database_url)
                .await
                .context("connecting to the database")?;
            match action {
                MigrateAction::Up => Migrator::up(&db, None).await?,
                MigrateAction::Down { steps } => Migrator::down(&db, Some(steps)).await?,
                MigrateAction::Status => {
                    for migration in Migrator::get_migration_with_status(&db).await? {
                        println!("{:?}\t{}", migration.status(), migration.name());
                    }
                }
            }
            Ok(())
        }
        Command::Export { what } => {
            let db = db::connect_and_migrate(&cli.database_url)
                .await
                .context("opening the database")?;
            let admin = users::find_by_username(&db, "admin").await?;
            let actor = Actor {
                user_id: admin.id,
                username: admin.username,
                role: admin.role,
                team_id: None,
            };
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
                    let language = if english {
                        HeaderLanguage::English
                    } else {
                        HeaderLanguage::Chinese
                    };
                    let filter = ProjectFilter {
                        team_id,
                        ..Default::default()
                    };
                    (
                        export::ledger(&db, &actor, &filter, &heading(as_of.unwrap_or(today), language)).await?,
                        output,
                    )
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
            let db = db::connect_and_migrate(&cli.database_url)
                .await
                .context("opening the database")?;
            let admin = users::find_by_username(&db, "admin").await?;
            let actor = Actor {
                user_id: admin.id,
                username: admin.username,
                role: admin.role,
                team_id: None,
            };
            let as_of = as_of.unwrap_or_else(zhaoshang::domain::today);
            let from = from.unwrap_or_else(|| {
                chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&as_of), 1, 1).expect("1 January")
            });
            let params = ReportParams {
                from,
                to: to.unwrap_or(as_of),
                as_of: Some(as_of),
                scope: Scope {
                    team_id,
                    ..Default::default()
                },
            };
            let (_, bytes) = report::kpi_report(&db, &actor, params).await?;
            std::fs::write(&output, bytes).with_context(|| format!("writing {}", output.display()))?;
            println!("wrote {}", output.display());
            Ok(())
        }
        Command::Token { action } => {
            let db = db::connect_and_migrate(&cli.database_url)
                .await
                .context("opening the database")?;
            // The command line acts as the administrator: whoever runs it holds the database.
            let admin = users::find_by_username(&db, "admin").await?;
            let actor = Actor {
                user_id: admin.id,
                username: admin.username,
                role: admin.role,
                team_id: None,
            };
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
                    for token in auth::list_tokens(&db, &actor, Some(owner.id)).await? {
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
    }
}

async fn serve(database_url: &str, args: ServeArgs) -> anyhow::Result<()> {
    let db = db::connect_and_migrate(database_url)
        .await
        .context("opening and migrating the database")?;
    let first_token = ensure_admin(&db).await?;
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
    let listener = TcpListener::bind(args.bind);
    Server::new(listener)
        .run_with_graceful_shutdown(
            app(AppState::new(db)),
            shutdown_signal(),
            Some(std::time::Duration::from_secs(10)),
        )
        .await?;
    Ok(())
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
