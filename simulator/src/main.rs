//! `stripe-sim`: runs the Stripe simulator until Ctrl-C.

use clap::Parser;

/// A stateful Stripe test-mode simulator.
#[derive(Debug, Parser)]
#[command(name = "stripe-sim", version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "STRIPE_SIM_LISTEN", default_value = "127.0.0.1:12111")]
    listen: String,
    /// Base URL used in hosted page links (default: http://<listen address>).
    #[arg(long, env = "STRIPE_SIM_PUBLIC_URL")]
    public_url: Option<String>,
    /// Snapshot file: loaded at start if it exists, written at shutdown (and by
    /// `POST /_sim/snapshot`). Off by default.
    #[arg(long, env = "STRIPE_SIM_STATE")]
    state: Option<std::path::PathBuf>,
    /// Webhook retry schedule: `fast` (0.2 s … 5 s, default), `test_mode` (Stripe's sandbox
    /// schedule: three retries over a few hours) or `live_mode` / `stripe` (about three days).
    #[arg(long, env = "STRIPE_SIM_WEBHOOK_RETRIES", default_value = "fast")]
    webhook_retries: String,
    /// Seconds a client has to send a complete request head (line and headers).
    #[arg(long, env = "STRIPE_SIM_HEADER_READ_TIMEOUT", default_value = "10", value_parser = seconds)]
    header_read_timeout: std::time::Duration,
    /// Seconds a client has to send a whole request body, after its head (slower: 408).
    #[arg(long, env = "STRIPE_SIM_BODY_READ_TIMEOUT", default_value = "30", value_parser = seconds)]
    body_read_timeout: std::time::Duration,
    /// Seconds a connection may sit with nothing moving and no request being handled.
    #[arg(long, env = "STRIPE_SIM_IDLE_TIMEOUT", default_value = "5", value_parser = seconds)]
    idle_timeout: std::time::Duration,
    /// Connections served at once; more wait in the listen backlog until one closes.
    #[arg(long, env = "STRIPE_SIM_MAX_CONNECTIONS", default_value_t = stripe_sim::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
}

/// Parses a positive number of seconds (`10`, `0.5`).
fn seconds(s: &str) -> Result<std::time::Duration, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 => std::time::Duration::try_from_secs_f64(v).map_err(|e| e.to_string()),
        _ => Err(format!("expected a positive number of seconds, not {s:?}")),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "stripe-sim: cannot listen on {}: {e}. Fix: choose a free address with --listen or STRIPE_SIM_LISTEN.",
                args.listen
            );
            return std::process::ExitCode::FAILURE;
        }
    };
    let options = stripe_sim::SimOptions {
        public_base_url: args.public_url,
        state_file: args.state,
        retry_schedule: match args.webhook_retries.as_str() {
            "fast" => None,
            other => match stripe_sim::named_retry_schedule(other) {
                Some(s) => Some(s.to_vec()),
                None => {
                    eprintln!(
                        "stripe-sim: --webhook-retries must be fast, test_mode, live_mode or stripe, not {other}"
                    );
                    return std::process::ExitCode::FAILURE;
                }
            },
        },
        header_read_timeout: Some(args.header_read_timeout),
        body_read_timeout: Some(args.body_read_timeout),
        idle_timeout: Some(args.idle_timeout),
        max_connections: Some(args.max_connections),
        ..Default::default()
    };
    let sim = match stripe_sim::start(listener, options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("stripe-sim: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("stripe-sim listening on http://{}", sim.addr);
    if sim.base_url != format!("http://{}", sim.addr) {
        println!("stripe-sim public URL {}", sim.base_url);
    }
    wait_for_stop().await;
    sim.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// Waits for Ctrl-C (SIGINT) or, on Unix, SIGTERM.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("stripe-sim: cannot wait for Ctrl-C: {e}");
    }
}
