//! The report as Markdown (for a pull request or a wiki), a self-contained HTML page (for people
//! on launch day) and JSON (for machines).

use std::fmt::Write as _;

use super::{ItemState, Report, ReportItem};

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
pub fn counts_line(report: &Report) -> String {
    summary_line(report)
}

/// An item's proofs grouped by kind and verdict, in first-seen order, so a line reads
/// "scenario passed (5): …" instead of five lines.
fn grouped_proofs(item: &ReportItem) -> Vec<((&'static str, &str), Vec<&str>)> {
    let mut groups: Vec<((&'static str, &str), Vec<&str>)> = Vec::new();
    for proof in &item.proofs {
        let key = (proof.kind, proof.verdict.as_str());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, names)) => names.push(&proof.name),
            None => groups.push((key, vec![&proof.name])),
        }
    }
    groups
}

/// Markdown: the checklist's sections and items, each with its state, proofs and manual steps.
pub fn markdown(report: &Report) -> String {
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
    for ((kind, verdict), names) in grouped_proofs(item) {
        let _ = writeln!(
            out,
            "{indent}  - {kind} {verdict} ({}): {}",
            names.len(),
            names.join("; ")
        );
    }
    if let Some(manual) = &item.manual {
        let _ = writeln!(out, "{indent}  - by hand: {manual}");
    }
    for child in &item.children {
        markdown_item(out, child, depth + 1);
    }
}

/// JSON of the whole report.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serializes")
}

/// A self-contained HTML page (inline CSS, no scripts, every text escaped).
pub fn html(report: &Report) -> String {
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
    out.push_str("</body></html>\n");
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
    if !item.proofs.is_empty() || item.manual.is_some() || !item.children.is_empty() {
        out.push_str("<ul>");
        for ((kind, verdict), names) in grouped_proofs(item) {
            let _ = write!(
                out,
                "<li class=\"proof\">{kind} {} ({}): {}</li>",
                escape(verdict),
                names.len(),
                escape(&names.join("; "))
            );
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
pub fn escape(text: &str) -> String {
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
    fn html_escapes_and_renders_inline_code() {
        assert_eq!(
            inline_markdown("`a<b` and **c**"),
            "<code>a&lt;b</code> and <strong>c</strong>"
        );
    }
}
