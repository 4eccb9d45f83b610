//! Compatibility proof: Stripe's official SDKs drive the simulator through the same flows
//! (create / retrieve / list / update per resource, card errors, idempotency):
//! stripe-python runs `simulator/compat/stripe_python_compat.py`, stripe-node runs
//! `simulator/compat/stripe_node_compat.js`, each pointed at a simulator on a free port.
//!
//! Ignored by default so a plain `cargo test` needs neither Python nor Node. CI installs the
//! pinned SDKs and runs them with `--ignored`; then a missing interpreter or SDK is a
//! FAILURE, not a skip:
//!
//! ```sh
//! python3 -m venv target/compat-venv
//! target/compat-venv/bin/pip install -r simulator/compat/requirements.txt
//! simulator/compat/install_node.sh          # npm ci into target/compat-node, once per lock file
//! cargo test -p stripe-sim --test compat -- --ignored
//! ```
//! `STRIPE_COMPAT_PYTHON` overrides the interpreter (default `target/compat-venv/bin/python`
//! in the workspace); `STRIPE_COMPAT_NODE` the `node` binary (default `node` on `PATH`).

use std::path::PathBuf;
use std::time::Duration;

use stripe_sim::{SimOptions, start};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Runs `program script` against a fresh simulator and checks it reports `checks passed`.
async fn run_against_simulator(program: &PathBuf, script: &str, env: &[(&str, PathBuf)]) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(script);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim = start(listener, SimOptions::default())
        .await
        .expect("start simulator");
    let mut cmd = tokio::process::Command::new(program);
    cmd.arg(&script)
        .env("STRIPE_SIM_BASE", &sim.base_url)
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(180), cmd.output())
        .await
        .expect("the compat script finished within 3 minutes")
        .unwrap_or_else(|e| panic!("could not run {}: {e}", program.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        script.display(),
        out.status
    );
    assert!(stdout.contains("checks passed"), "{stdout}");
    sim.shutdown().await;
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
    run_against_simulator(&python, "compat/stripe_python_compat.py", &[]).await;
}

#[tokio::test]
#[ignore = "needs Node and stripe-node; .ci/run installs them and runs it with --ignored"]
async fn official_node_sdk_drives_the_simulator() {
    let node = std::env::var_os("STRIPE_COMPAT_NODE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("node"));
    let modules = workspace_root().join("target/compat-node/node_modules");
    assert!(
        modules.join("stripe/package.json").exists(),
        "stripe-node is not installed in {} — run simulator/compat/install_node.sh",
        modules.display()
    );
    run_against_simulator(
        &node,
        "compat/stripe_node_compat.js",
        &[("NODE_PATH", modules)],
    )
    .await;
}
