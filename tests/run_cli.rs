//! `golive run`'s QA options as people use them: `--list` (what a filter selects, nothing run),
//! `--rerun-failed` (the failures of the saved run) and `--json` (a Cucumber JSON report). The
//! listing tests need no services; the JSON one runs one scenario, so it needs PostgreSQL like
//! the feature suite.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn golive(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_golive"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("run")
        .args(args)
        .output()
        .expect("golive runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "golive_run_cli_{name}_{}",
        golive::steps::actors::random_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn save_run(dir: &Path, scenarios: serde_json::Value) {
    let run = serde_json::json!({
        "finished_at": "2026-01-01T00:00:00Z",
        "summary": "scenarios: 0 passed, 1 failed, 0 skipped",
        "wall_ms": 1,
        "scenarios": scenarios,
    });
    std::fs::write(dir.join("last-run.json"), run.to_string()).unwrap();
}

#[test]
fn list_prints_the_selected_scenarios_and_runs_nothing() {
    let report_dir = scratch("list");
    let output = golive(&[
        "--list",
        "--tags",
        "@checklist-6.1 and not @browser",
        "--report-dir",
        report_dir.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let (count, scenarios) = lines.split_last().expect("a closing line");
    assert_eq!(
        *count,
        format!("{} scenarios selected (none run)", scenarios.len())
    );
    assert!(scenarios.len() > 1, "{stdout}");
    for line in scenarios {
        assert!(line.starts_with("features/"), "{line}");
        assert!(line.contains(".feature:"), "{line}");
        assert!(line.contains("@checklist-6.1"), "{line}");
        assert!(!line.contains("@browser"), "{line}");
    }
    assert!(!stdout.contains("scenarios: "), "nothing ran: {stdout}");
    assert!(
        !report_dir.join("last-run.json").exists(),
        "a listing saves no run"
    );
    std::fs::remove_dir_all(&report_dir).ok();
}

#[test]
fn rerun_failed_says_when_there_is_no_saved_run_or_nothing_failed() {
    let report_dir = scratch("rerun_none");
    let dir = report_dir.to_str().unwrap();
    let output = golive(&["--rerun-failed", "--report-dir", dir]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("no saved run in") && stderr.contains("last-run.json"),
        "{stderr}"
    );
    save_run(
        &report_dir,
        serde_json::json!([{"feature": "F", "scenario": "S", "tags": [], "status": "passed", "duration_ms": 1}]),
    );
    let output = golive(&["--rerun-failed", "--report-dir", dir]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("nothing failed"), "{stdout}");
    std::fs::remove_dir_all(&report_dir).ok();
}

#[test]
fn rerun_failed_selects_exactly_the_failed_scenarios() {
    let report_dir = scratch("rerun_list");
    let all = golive(&["--list"]);
    let (listing, _) = text(&all);
    // Two real scenarios: one failed, one passed in the "saved run".
    let picked: Vec<(String, String)> = listing
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split_once(" — "))
        .map(|(f, s)| {
            let s = s.split("  @").next().unwrap_or(s);
            (f.to_string(), s.to_string())
        })
        .take(2)
        .collect();
    assert_eq!(picked.len(), 2, "{listing}");
    save_run(
        &report_dir,
        serde_json::json!([
            {"feature": picked[0].0, "scenario": picked[0].1, "tags": [],
             "status": "failed", "step": null, "message": "boom", "duration_ms": 1},
            {"feature": picked[1].0, "scenario": picked[1].1, "tags": [],
             "status": "passed", "duration_ms": 1},
        ]),
    );
    let output = golive(&[
        "--list",
        "--rerun-failed",
        "--report-dir",
        report_dir.to_str().unwrap(),
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("rerunning the 1 scenarios that failed"),
        "{stdout}"
    );
    let listed: Vec<&str> = stdout.lines().filter(|l| l.contains(".feature:")).collect();
    assert_eq!(listed.len(), 1, "{stdout}");
    assert!(
        listed[0].contains(&format!("{} — {}", picked[0].0, picked[0].1)),
        "{stdout}"
    );
    std::fs::remove_dir_all(&report_dir).ok();
}

#[test]
fn json_writes_a_cucumber_json_report() {
    let report_dir = scratch("json");
    let json = report_dir.join("cucumber.json");
    let output = golive(&[
        "--features",
        "features/configuration.feature",
        "--name",
        "^The plans on sale are listed by the backend$",
        "--json",
        json.to_str().unwrap(),
        "--no-report",
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("scenarios: 1 passed, 0 failed"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON report"))
            .expect("valid JSON");
    let features = report.as_array().expect("an array of features");
    assert_eq!(features.len(), 1, "{report}");
    let scenarios = features[0]["elements"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 1, "{report}");
    assert_eq!(
        scenarios[0]["name"],
        "The plans on sale are listed by the backend"
    );
    let steps = scenarios[0]["steps"].as_array().expect("steps");
    assert!(!steps.is_empty(), "{report}");
    for step in steps {
        assert_eq!(step["result"]["status"], "passed", "{step}");
    }
    std::fs::remove_dir_all(&report_dir).ok();
}
