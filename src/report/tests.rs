//! The report's tests: the embedded checklist, its problems, evaluation and the files.

use super::evaluation::heading_state;
use super::*;
use crate::results::{ScenarioResult, ScenarioStatus};

/// A file name no other test run uses (the report stands without the steps, so not theirs).
fn random_suffix() -> String {
    format!("{:016x}", rand::random::<u64>())
}

#[test]
fn a_heading_claims_no_more_than_its_least_proven_child() {
    let item = |state| ReportItem {
        id: "x".into(),
        text: "x".into(),
        page: false,
        state,
        proofs: vec![],
        manual: None,
        children: vec![],
    };
    use ItemState::*;
    let heading =
        |states: &[ItemState]| heading_state(&states.iter().map(|s| item(*s)).collect::<Vec<_>>());
    assert_eq!(heading(&[Verified, Verified]), Verified);
    assert_eq!(heading(&[Verified, Manual]), Manual);
    assert_eq!(heading(&[Verified, NotRun, Manual]), NotRun);
    assert_eq!(heading(&[Verified, Failed, Manual]), Failed);
    assert_eq!(heading(&[]), Manual);
}

fn count_leaves(items: &[Item]) -> usize {
    items
        .iter()
        .map(|i| {
            if i.children.is_empty() {
                1
            } else {
                count_leaves(&i.children)
            }
        })
        .sum()
}

#[test]
fn the_embedded_checklist_has_every_section_and_a_way_to_check_every_item() {
    let checklist = Checklist::embedded();
    let numbers: Vec<&str> = checklist
        .sections
        .iter()
        .map(|s| s.number.as_str())
        .collect();
    assert_eq!(numbers, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert_eq!(checklist.problems(), Vec::<String>::new());
    let leaves: usize = checklist
        .sections
        .iter()
        .map(|s| count_leaves(&s.items))
        .sum();
    assert!(leaves > 100, "the checklist has {leaves} items");
}

#[test]
fn the_page_items_are_the_pages_people_click() {
    let checklist = Checklist::embedded();
    let pages: Vec<&str> = checklist
        .items()
        .into_iter()
        .filter(|i| i.page && i.children.is_empty())
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(
        pages,
        [
            "5.1.1", "5.2.1", "5.2.3", "5.2.4", "5.2.5", "5.2.6", "5.3.1", "5.3.2", "5.3.4",
            "5.3.5", "5.3.6", "5.3.8", "5.3.9", "6.1.2", "6.1.3", "6.1.4", "6.1.5", "6.2.1",
            "6.2.4", "6.2.5", "6.2.6", "6.4.3", "6.4.4", "6.5.3", "6.5.4", "6.5.5", "9.2.4"
        ]
    );
}

fn checklist(json: &str) -> Checklist {
    serde_json::from_str(json).unwrap()
}

#[test]
fn problems_name_leaves_without_a_way_to_check_and_borrowed_tags() {
    let c = checklist(
        r#"{"title":"t","sections":[{"number":"6","title":"s","items":[
          {"id":"6.1","text":"flow","evidence":["scenarios:checklist-6.1"],"children":[
            {"id":"6.1.1","text":"a","evidence":["scenarios:checklist-6.1"]},
            {"id":"6.1.2","text":"b"},
            {"id":"6.1.3","text":"c","evidence":["people:ops"]},
            {"id":"6.1.3","text":"d","manual":"by hand"}]}]}]}"#,
    );
    assert_eq!(
        c.problems(),
        [
            "heading 6.1 has evidence; its state comes from its children",
            "item 6.1.1 names `scenarios:checklist-6.1`: a leaf's scenario evidence is \
             `scenarios:checklist-6.1.1`",
            "item 6.1.2 has neither evidence nor manual instructions",
            "item 6.1.3 has evidence of no known kind: `people:ops`",
            "item 6.1.3 appears twice",
        ]
    );
}

#[test]
fn a_checklist_file_that_could_over_claim_is_refused() {
    let path = std::env::temp_dir().join(format!("golive-checklist-{}.json", random_suffix()));
    std::fs::write(
        &path,
        r#"{"title":"t","sections":[{"number":"6","title":"s","items":[
          {"id":"6.1.1","text":"a","evidence":["scenarios:checklist-6.1"]}]}]}"#,
    )
    .unwrap();
    let error = Checklist::from_file(&path).unwrap_err().to_string();
    std::fs::remove_file(&path).ok();
    assert!(error.contains("scenarios:checklist-6.1.1"), "{error}");
}

fn result(feature: &str, name: &str, tags: &[&str], status: ScenarioStatus) -> ScenarioResult {
    ScenarioResult {
        feature: feature.into(),
        scenario: name.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        status,
        duration_ms: 5,
        artifacts: vec![],
    }
}

fn failed() -> ScenarioStatus {
    ScenarioStatus::Failed {
        step: Some("Then Stripe shows Ana's charge as fully refunded".into()),
        message: "charge not refunded".into(),
    }
}

/// A page item (5.3.8, the "Refund Full Amount" button) and an API item (6.1.8).
fn small() -> Checklist {
    checklist(
        r#"{"title":"t","sections":[{"number":"5","title":"s","items":[
          {"id":"5.3.7","text":"Buttons:","page":true,"children":[
            {"id":"5.3.8","text":"Refund works","page":true,
             "evidence":["scenarios:checklist-5.3.8","scenarios:checklist-5.3.8"]}]},
          {"id":"6.1.8","text":"ids recorded","evidence":["scenarios:checklist-6.1.8"]}]}]}"#,
    )
}

fn item<'a>(report: &'a Report, id: &str) -> &'a ReportItem {
    fn find<'a>(items: &'a [ReportItem], id: &str) -> Option<&'a ReportItem> {
        items
            .iter()
            .find_map(|i| (i.id == id).then_some(i).or_else(|| find(&i.children, id)))
    }
    report
        .sections
        .iter()
        .find_map(|s| find(&s.items, id))
        .unwrap_or_else(|| panic!("no item {id}"))
}

#[test]
fn a_page_item_proved_only_through_the_api_is_not_verified() {
    let api = result(
        "Early fraud warnings",
        "Ops refunds",
        &["checklist-6.5", "checklist-5.3.8"],
        ScenarioStatus::Passed,
    );
    let report = evaluate(&small(), &[api], &[], None, None);
    let refund = item(&report, "5.3.8");
    assert_eq!(refund.state, ItemState::NotRun);
    assert_eq!(refund.proofs.len(), 1);
    assert!(!refund.proofs[0].verifies && !refund.proofs[0].browser);
    assert_eq!(refund.proofs[0].verdict, "passed");
    assert_eq!(item(&report, "5.3.7").state, ItemState::NotRun, "heading");
    assert_eq!(
        report.counts.not_run, 2,
        "5.3.8 and 6.1.8; the heading is no leaf"
    );
}

#[test]
fn a_page_item_is_verified_by_a_passed_browser_scenario() {
    let page = result(
        "Pages: fraud warnings",
        "Refund Full Amount",
        &["browser", "checklist-5.3.8"],
        ScenarioStatus::Passed,
    );
    let report = evaluate(&small(), &[page], &[], None, None);
    let refund = item(&report, "5.3.8");
    assert_eq!(refund.state, ItemState::Verified);
    assert!(refund.proofs[0].verifies && refund.proofs[0].browser);
    assert_eq!(item(&report, "5.3.7").state, ItemState::Verified);
}

#[test]
fn a_failed_browser_scenario_or_api_contract_fails_the_page_item() {
    let page = result(
        "Pages: fraud warnings",
        "Refund Full Amount",
        &["browser", "checklist-5.3.8"],
        failed(),
    );
    let report = evaluate(&small(), &[page], &[], None, None);
    assert_eq!(item(&report, "5.3.8").state, ItemState::Failed);
    assert_eq!(report.counts.failed, 1);
    let passed_page = result(
        "P",
        "clicks",
        &["browser", "checklist-5.3.8"],
        ScenarioStatus::Passed,
    );
    let broken_api = result("API", "refunds", &["checklist-5.3.8"], failed());
    let report = evaluate(&small(), &[passed_page, broken_api], &[], None, None);
    assert_eq!(item(&report, "5.3.8").state, ItemState::Failed);
}

#[test]
fn an_api_item_is_verified_by_an_api_scenario_and_skipped_ones_prove_nothing() {
    let api = result(
        "New subscription",
        "pays",
        &["checklist-6.1.8"],
        ScenarioStatus::Passed,
    );
    let report = evaluate(&small(), &[api], &[], None, None);
    assert_eq!(item(&report, "6.1.8").state, ItemState::Verified);
    let skipped = result(
        "New subscription",
        "pays",
        &["checklist-6.1.8"],
        ScenarioStatus::Skipped {
            reason: "sim-only".into(),
        },
    );
    let report = evaluate(&small(), &[skipped], &[], None, None);
    assert_eq!(item(&report, "6.1.8").state, ItemState::NotRun);
}

#[test]
fn each_scenario_is_listed_once_with_every_run_linked() {
    let examples = [
        result(
            "P",
            "refunds <card>",
            &["browser", "checklist-5.3.8"],
            ScenarioStatus::Passed,
        ),
        result(
            "P",
            "refunds <card>",
            &["browser", "checklist-5.3.8"],
            failed(),
        ),
        result(
            "P",
            "other",
            &["browser", "checklist-5.3.8"],
            ScenarioStatus::Passed,
        ),
    ];
    let report = evaluate(&small(), &examples, &[], None, None);
    let refund = item(&report, "5.3.8");
    let names: Vec<&str> = refund.proofs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["P — refunds <card>", "P — other"],
        "evidence named twice"
    );
    assert_eq!(refund.proofs[0].verdict, "failed");
    assert_eq!(
        refund.proofs[0].runs,
        ["scenario-p--refunds-card", "scenario-p--refunds-card-2"]
    );
    assert_eq!(refund.state, ItemState::Failed);
    assert_eq!(report.scenarios.len(), 3);
    assert_eq!(
        report.scenarios[1].message.as_deref(),
        Some("charge not refunded")
    );
}

#[test]
fn section_tags_prove_no_item() {
    let checklist = Checklist::embedded();
    let flow = result(
        "New subscription",
        "pays",
        &["checklist-6.1", "checklist-5"],
        ScenarioStatus::Passed,
    );
    let report = evaluate(&checklist, &[flow], &[], None, None);
    assert_eq!(report.counts.verified, 0, "{:?}", report.counts);
    assert!(item(&report, "6.1.8").proofs.is_empty());
}

#[test]
fn preflight_verdicts_prove_their_section() {
    let checklist = Checklist::embedded();
    let fail = PreflightVerdict {
        item: "4".into(),
        status: "FAIL".into(),
        description: "webhook endpoint uses HTTPS".into(),
    };
    let report = evaluate(&checklist, &[], &[fail], None, None);
    let https = item(&report, "4.1.3");
    assert_eq!(https.state, ItemState::Failed);
    let manual = item(&report, "9.2.1");
    assert_eq!(
        manual.state,
        ItemState::Manual,
        "a live test charge is for a person"
    );
}

#[test]
fn a_run_record_becomes_three_report_files_and_reads_back() {
    let dir = std::env::temp_dir().join(format!("golive-report-test-{}", random_suffix()));
    let record = RunRecord {
        finished_at: "2026-11-27T23:00:00Z".into(),
        summary: "scenarios: 1 passed, 0 failed, 0 skipped".into(),
        wall_ms: 10,
        scenarios: vec![result(
            "New subscription",
            "pays",
            &["checklist-6.1", "checklist-6.1.8"],
            ScenarioStatus::Passed,
        )],
        shard: None,
    };
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(PREFLIGHT_FILE),
        r#"[{"item":"4","status":"PASS","description":"webhook endpoint uses HTTPS"}]"#,
    )
    .unwrap();
    let line = write_from_run(&dir, &record).unwrap();
    assert!(line.starts_with("checklist: "), "{line}");
    let markdown = std::fs::read_to_string(dir.join("checklist.md")).unwrap();
    assert!(
        markdown.contains("preflight passed (1): 4 webhook endpoint uses HTTPS"),
        "{markdown}"
    );
    assert!(
        markdown.contains("[New subscription — pays](#scenario-new-subscription--pays)"),
        "{markdown}"
    );
    assert!(dir.join("checklist.html").exists() && dir.join("checklist.json").exists());
    assert_eq!(
        RunRecord::load(&dir.join(RUN_FILE))
            .unwrap()
            .scenarios
            .len(),
        1
    );
    std::fs::remove_dir_all(&dir).ok();
}
