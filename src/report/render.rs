//! The report as Markdown (for a pull request or a wiki), a self-contained HTML page (for people
//! on launch day) and JSON (for machines).

use std::fmt::Write as _;

use super::{ItemState, Proof, Report, ReportItem, ReportScenario};

fn mark(state: ItemState) -> &'static str {
    match state {
        ItemState::Verified => "✅ verified",
        ItemState::Failed => "❌ failed",
        ItemState::NotRun => "⏳ not run",
        ItemState::Manual => "✋ manual",
    }
}

fn summary_line(report: &Report) -> String {
    let c = report.counts;
    format!(
        "checklist: {} verified, {} failed, {} not run, {} manual",
        c.verified, c.failed, c.not_run, c.manual
    )
}

/// The one-line count printed after a run.
pub(crate) fn counts_line(report: &Report) -> String {
    summary_line(report)
}

/// The label of a proof's group: its kind, or "API contract" for an API-level scenario of a
/// page item (shown, but it does not verify the page).
fn label(proof: &Proof) -> &'static str {
    if proof.verifies {
        proof.kind
    } else {
        "API contract"
    }
}

/// An item's proofs grouped by label and verdict, in first-seen order, so a line reads
/// "scenario passed (5): …" instead of five lines.
fn grouped_proofs(item: &ReportItem) -> Vec<((&'static str, &str), Vec<&Proof>)> {
    let mut groups: Vec<((&'static str, &str), Vec<&Proof>)> = Vec::new();
    for proof in &item.proofs {
        let key = (label(proof), proof.verdict.as_str());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, proofs)) => proofs.push(proof),
            None => groups.push((key, vec![proof])),
        }
    }
    groups
}

/// A page item's note when nothing that counts proved it.
fn page_note(item: &ReportItem) -> Option<&'static str> {
    (item.page && item.children.is_empty() && item.state == ItemState::NotRun)
        .then_some("a page: only a passed @browser scenario verifies it, and none ran")
}

/// The name of an artifact: its file name.
fn artifact_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A proof in Markdown: its name linked to its first run, further runs and artifacts after it.
fn markdown_proof(proof: &Proof) -> String {
    let mut out = match proof.runs.first() {
        Some(anchor) => format!("[{}](#{anchor})", proof.name),
        None => proof.name.clone(),
    };
    for (n, anchor) in proof.runs.iter().enumerate().skip(1) {
        let _ = write!(out, " [run {}](#{anchor})", n + 1);
    }
    for artifact in &proof.artifacts {
        let _ = write!(out, " [{}]({artifact})", artifact_name(artifact));
    }
    out
}

/// A proof in HTML, as in Markdown.
fn html_proof(proof: &Proof) -> String {
    let mut out = match proof.runs.first() {
        Some(anchor) => format!(
            "<a href=\"#{}\">{}</a>",
            escape(anchor),
            escape(&proof.name)
        ),
        None => escape(&proof.name),
    };
    for (n, anchor) in proof.runs.iter().enumerate().skip(1) {
        let _ = write!(out, " <a href=\"#{}\">run {}</a>", escape(anchor), n + 1);
    }
    for artifact in &proof.artifacts {
        let _ = write!(
            out,
            " <a href=\"{}\">{}</a>",
            escape(artifact),
            escape(artifact_name(artifact))
        );
    }
    out
}

fn tags_text(scenario: &ReportScenario) -> String {
    scenario
        .tags
        .iter()
        .map(|t| format!("@{t}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Markdown: the checklist's sections and items, each with its state, proofs and manual steps.
pub(crate) fn markdown(report: &Report) -> String {
    let mut out = format!("# {} — rehearsal report\n\n", report.title);
    if let Some(at) = &report.run_finished_at {
        let _ = writeln!(out, "Run finished {at}.");
    }
    if let Some(summary) = &report.run_summary {
        let _ = writeln!(out, "Rehearsal: `{summary}`.");
    }
    let _ = writeln!(out, "Items: `{}`.\n", summary_line(report));
    for section in &report.sections {
        let _ = writeln!(out, "## {}. {}\n", section.number, section.title);
        for item in &section.items {
            markdown_item(&mut out, item, 0);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Scenarios\n");
    if report.scenarios.is_empty() {
        let _ = writeln!(out, "No scenario ran.");
    }
    for s in &report.scenarios {
        let _ = write!(
            out,
            "- <a id=\"{}\"></a>**{}** {} — {} ({} ms) `{}`",
            s.anchor,
            s.status,
            s.feature,
            s.scenario,
            s.duration_ms,
            tags_text(s)
        );
        if let Some(step) = &s.failed_step {
            let _ = write!(out, " — failed at: {step}");
        }
        if let Some(message) = &s.message {
            let _ = write!(out, " — {}", message.replace('\n', " "));
        }
        for artifact in &s.artifacts {
            let _ = write!(out, " [{}]({artifact})", artifact_name(artifact));
        }
        out.push('\n');
    }
    out
}

fn markdown_item(out: &mut String, item: &ReportItem, depth: usize) {
    let indent = "  ".repeat(depth);
    let _ = writeln!(
        out,
        "{indent}- {} — **{}** {}",
        mark(item.state),
        item.id,
        item.text
    );
    for ((label, verdict), proofs) in grouped_proofs(item) {
        let names: Vec<String> = proofs.iter().map(|p| markdown_proof(p)).collect();
        let _ = writeln!(
            out,
            "{indent}  - {label} {verdict} ({}): {}",
            names.len(),
            names.join("; ")
        );
    }
    if let Some(note) = page_note(item) {
        let _ = writeln!(out, "{indent}  - {note}");
    }
    if let Some(manual) = &item.manual {
        let _ = writeln!(out, "{indent}  - by hand: {manual}");
    }
    for child in &item.children {
        markdown_item(out, child, depth + 1);
    }
}

/// JSON of the whole report.
pub(crate) fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serializes")
}

/// A self-contained HTML page (inline CSS, no scripts, every text escaped).
pub(crate) fn html(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title} — rehearsal report</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}\
         ul{{list-style:none;padding-left:1.2rem}}li{{margin:.3rem 0}}\
         .state{{display:inline-block;min-width:6.5rem;font-size:.85rem;font-weight:600}}\
         .verified{{color:#0a7d2c}}.failed{{color:#b00020}}.not_run{{color:#8a6d00}}.manual{{color:#4a4a8a}}\
         .proof,.manual-step{{font-size:.85rem;color:#444}}code{{background:#f2f2f2;padding:0 .2rem}}\
         </style></head><body>\n<h1>{title} — rehearsal report</h1>\n",
        title = escape(&report.title)
    );
    if let Some(at) = &report.run_finished_at {
        let _ = writeln!(out, "<p>Run finished {}.</p>", escape(at));
    }
    if let Some(summary) = &report.run_summary {
        let _ = writeln!(out, "<p>Rehearsal: <code>{}</code></p>", escape(summary));
    }
    let _ = writeln!(
        out,
        "<p>Items: <code>{}</code></p>",
        escape(&summary_line(report))
    );
    for section in &report.sections {
        let _ = writeln!(
            out,
            "<h2>{}. {}</h2>\n<ul>",
            escape(&section.number),
            escape(&section.title)
        );
        for item in &section.items {
            html_item(&mut out, item);
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Scenarios</h2>\n<ul>\n");
    if report.scenarios.is_empty() {
        out.push_str("<li>No scenario ran.</li>\n");
    }
    for s in &report.scenarios {
        let class = match s.status {
            "passed" => "verified",
            "failed" => "failed",
            _ => "not_run",
        };
        let _ = write!(
            out,
            "<li id=\"{}\"><span class=\"state {class}\">{}</span> {} — {} \
             <span class=\"proof\">({} ms) <code>{}</code></span>",
            escape(&s.anchor),
            escape(s.status),
            escape(&s.feature),
            escape(&s.scenario),
            s.duration_ms,
            escape(&tags_text(s))
        );
        if let Some(step) = &s.failed_step {
            let _ = write!(
                out,
                "<div class=\"proof\">failed at: {}</div>",
                escape(step)
            );
        }
        if let Some(message) = &s.message {
            let _ = write!(out, "<pre class=\"proof\">{}</pre>", escape(message));
        }
        for artifact in &s.artifacts {
            let _ = write!(
                out,
                " <a href=\"{}\">{}</a>",
                escape(artifact),
                escape(artifact_name(artifact))
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</body></html>\n");
    out
}

fn html_item(out: &mut String, item: &ReportItem) {
    let class = match item.state {
        ItemState::Verified => "verified",
        ItemState::Failed => "failed",
        ItemState::NotRun => "not_run",
        ItemState::Manual => "manual",
    };
    let _ = write!(
        out,
        "<li><span class=\"state {class}\">{}</span> <strong>{}</strong> {}",
        mark(item.state),
        escape(&item.id),
        inline_markdown(&item.text)
    );
    if !item.proofs.is_empty()
        || item.manual.is_some()
        || !item.children.is_empty()
        || page_note(item).is_some()
    {
        out.push_str("<ul>");
        for ((label, verdict), proofs) in grouped_proofs(item) {
            let names: Vec<String> = proofs.iter().map(|p| html_proof(p)).collect();
            let _ = write!(
                out,
                "<li class=\"proof\">{label} {} ({}): {}</li>",
                escape(verdict),
                names.len(),
                names.join("; ")
            );
        }
        if let Some(note) = page_note(item) {
            let _ = write!(out, "<li class=\"proof\">{note}</li>");
        }
        if let Some(manual) = &item.manual {
            let _ = write!(
                out,
                "<li class=\"manual-step\">by hand: {}</li>",
                inline_markdown(manual)
            );
        }
        for child in &item.children {
            html_item(out, child);
        }
        out.push_str("</ul>");
    }
    out.push_str("</li>\n");
}

/// Escapes text for HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The checklist's inline Markdown (`code`, **bold**) as HTML; everything else escaped.
fn inline_markdown(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            for (j, piece) in part.split("**").enumerate() {
                if j % 2 == 1 {
                    let _ = write!(out, "<strong>{piece}</strong>");
                } else {
                    out.push_str(piece);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Checklist, evaluate};
    use crate::results::{ScenarioResult, ScenarioStatus};

    #[test]
    fn every_checklist_item_appears_in_every_format() {
        let report = evaluate(&Checklist::embedded(), &[], &[], None, None);
        let (md, page, data) = (markdown(&report), html(&report), json(&report));
        for id in ["1.1.1", "4.2.6", "6.5.5", "9.3.1"] {
            assert!(md.contains(&format!("**{id}**")), "markdown lacks {id}");
            assert!(
                page.contains(&format!("<strong>{id}</strong>")),
                "html lacks {id}"
            );
            assert!(data.contains(&format!("\"{id}\"")), "json lacks {id}");
        }
        assert!(md.contains("Test mode Stripe account configured."));
    }

    #[test]
    fn proofs_link_to_their_runs_and_artifacts_and_api_contracts_are_labelled() {
        let checklist: Checklist = serde_json::from_str(
            r#"{"title":"t","sections":[{"number":"5","title":"s","items":[
              {"id":"5.3.8","text":"Refund works","page":true,
               "evidence":["scenarios:checklist-5.3.8"]}]}]}"#,
        )
        .unwrap();
        let api = ScenarioResult {
            feature: "Early fraud warnings".into(),
            scenario: "Ops refunds <a charge>".into(),
            tags: vec!["checklist-5.3.8".into()],
            status: ScenarioStatus::Failed {
                step: Some("Then Stripe shows the refund".into()),
                message: "not refunded".into(),
            },
            duration_ms: 7,
            artifacts: vec![],
        };
        let mut report = evaluate(&checklist, &[api], &[], None, None);
        let shot = "artifacts/ops-refunds/screenshot.png".to_string();
        report.sections[0].items[0].proofs[0].artifacts = vec![shot.clone()];
        report.scenarios[0].artifacts = vec![shot];
        let anchor = "scenario-early-fraud-warnings--ops-refunds-a-charge";
        let md = markdown(&report);
        assert!(
            md.contains(&format!(
                "API contract failed (1): [Early fraud warnings — Ops refunds <a charge>](#{anchor}) \
                 [screenshot.png](artifacts/ops-refunds/screenshot.png)"
            )),
            "{md}"
        );
        assert!(
            md.contains(&format!("<a id=\"{anchor}\"></a>**failed**")),
            "{md}"
        );
        assert!(md.contains("failed at: Then Stripe shows the refund — not refunded"));
        let page = html(&report);
        assert!(page.contains(&format!("<a href=\"#{anchor}\">")), "{page}");
        assert!(page.contains(&format!("<li id=\"{anchor}\">")), "{page}");
        assert!(
            page.contains("<a href=\"artifacts/ops-refunds/screenshot.png\">screenshot.png</a>")
        );
        assert!(
            page.contains("Ops refunds &lt;a charge&gt;"),
            "names are escaped"
        );
        assert!(json(&report).contains("\"verifies\": false"));
    }

    #[test]
    fn a_page_nothing_clicked_says_so() {
        let report = evaluate(&Checklist::embedded(), &[], &[], None, None);
        let md = markdown(&report);
        assert!(
            md.contains(
                "**5.3.8** “Refund Full Amount” works (in test/staging).\n      \
                 - a page: only a passed @browser scenario verifies it, and none ran"
            ),
            "{md}"
        );
        assert!(md.contains("## Scenarios\n\nNo scenario ran."));
    }

    #[test]
    fn html_escapes_and_renders_inline_code() {
        assert_eq!(
            inline_markdown("`a<b` and **c**"),
            "<code>a&lt;b</code> and <strong>c</strong>"
        );
    }
}
