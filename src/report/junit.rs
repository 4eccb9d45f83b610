//! JUnit XML from a run's results, for CI dashboards: one `<testsuite>` per feature, one
//! `<testcase>` per scenario with its time, `<failure>` with the step and message, `<skipped>`
//! with the reason. `golive report --merge` writes it for the joined shards.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::results::{ScenarioResult, ScenarioStatus};

/// The results as a JUnit XML document.
pub fn junit_xml(results: &[ScenarioResult]) -> String {
    let mut features: BTreeMap<&str, Vec<&ScenarioResult>> = BTreeMap::new();
    for r in results {
        features.entry(r.feature.as_str()).or_default().push(r);
    }
    let count = |rs: &[&ScenarioResult], f: fn(&ScenarioStatus) -> bool| {
        rs.iter().filter(|r| f(&r.status)).count()
    };
    let failed = |s: &ScenarioStatus| matches!(s, ScenarioStatus::Failed { .. });
    let skipped = |s: &ScenarioStatus| matches!(s, ScenarioStatus::Skipped { .. });
    let all: Vec<&ScenarioResult> = results.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"golive\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
        all.len(),
        count(&all, failed),
        count(&all, skipped)
    );
    for (feature, rs) in &features {
        let seconds: f64 = rs.iter().map(|r| r.duration_ms as f64 / 1000.0).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{seconds:.3}\">",
            escape(feature),
            rs.len(),
            count(rs, failed),
            count(rs, skipped)
        );
        for r in rs {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                escape(feature),
                escape(&r.scenario),
                r.duration_ms as f64 / 1000.0
            );
            match &r.status {
                ScenarioStatus::Passed => out.push_str("/>\n"),
                ScenarioStatus::Failed { step, message } => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        escape(step.as_deref().unwrap_or("the scenario failed")),
                        escape(message)
                    );
                }
                ScenarioStatus::Skipped { reason } => {
                    let _ = writeln!(
                        out,
                        ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                        escape(reason)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// XML-escapes text for an attribute or element, dropping characters XML 1.0 cannot hold.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(feature: &str, scenario: &str, status: ScenarioStatus) -> ScenarioResult {
        ScenarioResult {
            feature: feature.into(),
            scenario: scenario.into(),
            tags: vec![],
            status,
            duration_ms: 1500,
            artifacts: vec![],
        }
    }

    #[test]
    fn each_scenario_is_a_testcase_with_its_outcome() {
        let xml = junit_xml(&[
            result("Pay & go", "passes <once>", ScenarioStatus::Passed),
            result(
                "Pay & go",
                "fails",
                ScenarioStatus::Failed {
                    step: Some("Then \"it\" works".into()),
                    message: "expected 1\u{1b}[0m".into(),
                },
            ),
            result(
                "Other",
                "skipped",
                ScenarioStatus::Skipped {
                    reason: "needs the simulator".into(),
                },
            ),
        ]);
        assert!(
            xml.contains("<testsuites name=\"golive\" tests=\"3\" failures=\"1\" skipped=\"1\">")
        );
        assert!(xml.contains("<testsuite name=\"Pay &amp; go\" tests=\"2\" failures=\"1\" skipped=\"0\" time=\"3.000\">"));
        assert!(xml.contains("name=\"passes &lt;once&gt;\" time=\"1.500\"/>"));
        assert!(
            xml.contains("<failure message=\"Then &quot;it&quot; works\">expected 1[0m</failure>")
        );
        assert!(xml.contains("<skipped message=\"needs the simulator\"/>"));
    }
}
