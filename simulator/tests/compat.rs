//! Compatibility proof: Stripe's official Python SDK, pointed at the
//! simulator by `stripe.api_base`, runs `simulator/compat/stripe_python_compat.py`
//! (create / retrieve / list / update per resource, card errors, idempotency).
//!
//! Ignored by default so a plain `cargo test` needs no Python. CI installs the pinned SDK
//! and runs it with `--ignored`; then a missing interpreter or SDK is a FAILURE, not a skip:
//!
//! ```sh
//! python3 -m venv target/compat-venv
//! target/compat-venv/bin/pip install -r simulator/compat/requirements.txt
//! cargo test -p stripe-sim --test compat -- --ignored
//! ```
//! `STRIPE_COMPAT_PYTHON` overrides the interpreter (default `target/compat-venv/bin/python`
//! in the workspace).

use std::path::PathBuf;
use std::time::Duration;

use stripe_sim::{SimOptions, start};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

#[tokio::test]
#[ignore = "needs the stripe Python SDK; .ci/run installs it and runs it with --ignored"]
async fn official_python_sdk_drives_the_simulator() {
    let python = std::env::var_os("STRIPE_COMPAT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/compat-venv/bin/python"));
    assert!(
        python.exists() || std::env::var_os("STRIPE_COMPAT_PYTHON").is_some(),
        "no Python at {} — create it with: python3 -m venv target/compat-venv && \
         target/compat-venv/bin/pip install -r simulator/compat/requirements.txt",
        python.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("compat/stripe_python_compat.py");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim = start(listener, SimOptions::default())
        .await
        .expect("start simulator");
    let run = tokio::process::Command::new(&python)
        .arg(&script)
        .env("STRIPE_SIM_BASE", &sim.base_url)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the compat script finished within 3 minutes")
        .unwrap_or_else(|e| panic!("could not run {}: {e}", python.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "compat script failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("checks passed"), "{stdout}");
    sim.shutdown().await;
}
