//! What a failed browser scenario leaves behind for whoever reads the report: a screenshot and
//! the page's HTML, in `<report dir>/artifacts/<scenario slug>/`.

use std::path::Path;

use super::Browser;

/// The folder, inside the report folder, that holds every scenario's artifacts.
pub const ARTIFACTS_DIR: &str = "artifacts";

/// A folder name for a scenario: its feature's and its own name, lowercase ASCII letters and
/// digits joined by `-`, then the scenario's line (an outline's examples share a name).
pub fn scenario_slug(feature: &str, scenario: &str, line: usize) -> String {
    let words = |text: &str| -> String {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join("-")
    };
    let mut slug = words(feature);
    // Long names make paths unwieldy; the line keeps the slug unique anyway.
    slug.truncate(40);
    let mut own = words(scenario);
    own.truncate(60);
    let or_unnamed = |s: &str| {
        let s = s.trim_end_matches('-');
        if s.is_empty() {
            "unnamed".to_string()
        } else {
            s.to_string()
        }
    };
    format!("{}--{}-l{line}", or_unnamed(&slug), or_unnamed(&own))
}

/// Saves the browser's screenshot and page HTML into `<report_dir>/artifacts/<slug>/` and
/// returns the saved files' paths relative to `report_dir`, plus what could not be saved (a
/// browser that crashed still yields its page, or neither, never a panic).
pub async fn save(browser: &Browser, report_dir: &Path, slug: &str) -> (Vec<String>, Vec<String>) {
    let relative_dir = Path::new(ARTIFACTS_DIR).join(slug);
    let dir = report_dir.join(&relative_dir);
    let (mut saved, mut problems) = (Vec::new(), Vec::new());
    if let Err(e) = tokio::fs::create_dir_all(&dir).await {
        problems.push(format!("cannot create {}: {e}", dir.display()));
        return (saved, problems);
    }
    let screenshot = browser.screenshot_png().await;
    let source = browser.source().await.map(String::into_bytes);
    for (name, content) in [("screenshot.png", screenshot), ("page.html", source)] {
        match content {
            Ok(bytes) => match tokio::fs::write(dir.join(name), bytes).await {
                Ok(()) => saved.push(relative_dir.join(name).to_string_lossy().into_owned()),
                Err(e) => problems.push(format!("cannot write {}: {e}", dir.join(name).display())),
            },
            Err(e) => problems.push(format!("no {name}: {e}")),
        }
    }
    (saved, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain_lowercase_and_unique_per_line() {
        assert_eq!(
            scenario_slug("Checkout page", "Ana pays — with a card (4242)!", 12),
            "checkout-page--ana-pays-with-a-card-4242-l12"
        );
        assert_ne!(scenario_slug("F", "S", 3), scenario_slug("F", "S", 9));
        assert_eq!(scenario_slug("", "…", 1), "unnamed--unnamed-l1");
    }
}
