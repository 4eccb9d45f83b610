//! The `billing` binary: `serve`, `migrate`, `check-config`.

use std::net::SocketAddr;
use std::process::ExitCode;

use billing::Config;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "billing",
    version,
    about = "Subscription billing backend (Stripe)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations and serve the HTTP API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "BILLING_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Apply database migrations (and the one-time plan seed) to DATABASE_URL.
    Migrate {
        /// PostgreSQL URL.
        #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Validate the configuration and print every problem.
    CheckConfig,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::CheckConfig => match Config::from_env() {
            Ok(c) => {
                println!(
                    "configuration OK: Stripe {} mode, {} plan prices from {}, API {}",
                    c.stripe.mode.as_str(),
                    c.stripe.price_mapping.len(),
                    c.stripe.price_mapping_source,
                    c.stripe.api_base
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{} configuration problem(s):\n{e}", e.problems.len());
                ExitCode::FAILURE
            }
        },
        Command::Migrate { database_url } => {
            init_logs();
            match billing::migrate(&database_url).await {
                Ok(()) => {
                    println!("migrations applied");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("migrate failed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve { listen } => {
            let config = match Config::from_env() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!(
                        "refusing to start, {} configuration problem(s):\n{e}",
                        e.problems.len()
                    );
                    return ExitCode::FAILURE;
                }
            };
            init_logs();
            serve(config, listen).await
        }
    }
}

async fn serve(config: Config, listen: SocketAddr) -> ExitCode {
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let running = match billing::start(config, listener).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("billing listening on http://{}", running.addr);
    shutdown_signal().await;
    running.shutdown().await;
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// JSON logs on stdout; level from `RUST_LOG` (default `info`).
fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .try_init();
}
