//! `golive preflight` as ops run it: bad input gives clear FAIL lines and a non-zero exit code,
//! never a panic or a stack trace. Needs neither a database nor the simulator.

use std::process::{Command, Output};

fn preflight(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_golive"))
        .arg("preflight")
        .args(args)
        .arg("--no-save")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("golive runs")
}

fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn assert_clean_failure(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack backtrace"),
        "{stderr}"
    );
    stdout
}

#[test]
fn a_missing_env_file_is_one_fail_line() {
    let output = preflight(&["--env-file", "/nonexistent/golive/deploy.env"]);
    let stdout = assert_clean_failure(&output);
    let fails: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(fails.len(), 1, "{stdout}");
    assert!(fails[0].contains("/nonexistent/golive/deploy.env does not exist"));
}

#[test]
fn unreachable_stripe_and_database_are_reported_with_their_cause() {
    let dir = std::env::temp_dir().join(format!("golive_cli_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env_file = dir.join("deploy.env");
    std::fs::write(
        &env_file,
        format!(
            "STRIPE_SECRET_KEY=sk_test_cli\nSTRIPE_MODE=test\nSTRIPE_WEBHOOK_SECRET=whsec_cli\n\
             STRIPE_PLAN_PRICE_MAPPING_TEST='{{\"basic\":{{\"monthly\":\"price_b\"}},\"pro\":{{\"monthly\":\"price_p\"}}}}'\n\
             STRIPE_API_BASE=http://127.0.0.1:{}\nDATABASE_URL=postgres://golive@127.0.0.1:{}/billing\n\
             JWT_SECRET=dev\nALLOWED_REDIRECT_ORIGINS=https://app.example.com\nADMIN_EMAILS=ops@example.com\n",
            closed_port(),
            closed_port()
        ),
    )
    .unwrap();
    let path = env_file.to_str().unwrap();
    let output = preflight(&[
        "--env-file",
        path,
        "--public-url",
        "https://billing.example.com",
    ]);
    let stdout = assert_clean_failure(&output);
    let fails: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        fails.len(),
        2,
        "one for Stripe, one for the database:\n{stdout}"
    );
    assert!(fails[0].contains("cannot be reached") && fails[0].contains("Fix: "));
    assert!(fails[1].contains("cannot be reached") && fails[1].contains("Fix: "));
    assert!(stdout.lines().any(|l| l.starts_with("SKIP  2")), "{stdout}");

    let json = preflight(&["--env-file", path, "--json"]);
    let stdout = assert_clean_failure(&json);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("--json prints JSON");
    assert_eq!(value["ready"], false);
    assert!(value["checks"].as_array().unwrap().len() > 10);
    std::fs::remove_dir_all(&dir).ok();
}
