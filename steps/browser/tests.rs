//! The browser layer against a real headless Chromium and a tiny site served by wiremock. When
//! Chromium or chromedriver is not installed the test says so and passes: the `@browser` gate
//! (tested on its own) is what keeps such machines honest.

use std::time::{Duration, Instant};

use wiremock::matchers::{header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::driver::{Driver, find_binaries};
use super::{Browser, BrowserError, Key, artifacts};

const FORM: &str = r#"<!doctype html>
<html><head><title>Golive form</title></head><body>
<a href="/account">My account</a>
<h1>Checkout</h1>
<form action="/done" method="get">
  <label for="email">E-mail
     address</label> <input id="email" name="email">
  <label><input type="checkbox" id="terms" name="terms"> I accept the terms</label>
  <label for="plan">Plan</label>
  <select id="plan" name="plan"><option value="basic">BASIC</option><option value="pro">PRO</option></select>
  <input id="coupon" name="coupon" disabled>
  <button type="submit">  Continue </button>
</form>
<p id="status" data-state="ready">Ready</p>
<p id="hidden" style="display:none">Not shown</p>
</body></html>"#;

const DONE: &str = r#"<!doctype html><html><head><title>Done</title></head><body>
<p>Thanks for subscribing</p><a href="/form">Back to the form</a></body></html>"#;

const SIGNED_IN: &str = r#"<!doctype html><html><head><title>Account</title></head><body>
<p>Signed in as Ana</p><a href="/form">Back to the form</a></body></html>"#;

const SIGNED_OUT: &str = r#"<!doctype html><html><head><title>Account</title></head><body>
<p>Signed out</p></body></html>"#;

fn html(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/html; charset=utf-8")
}

async fn site() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/form"))
        .respond_with(html(FORM))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/done"))
        .respond_with(html(DONE))
        .mount(&server)
        .await;
    // The account page knows Ana only by the cookie the test sets.
    Mock::given(method("GET"))
        .and(path("/account"))
        .and(header_regex("cookie", "golive_session=ana"))
        .respond_with(html(SIGNED_IN))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/account"))
        .respond_with(html(SIGNED_OUT))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn drives_a_page_like_a_person() {
    let binaries = match find_binaries() {
        Ok(binaries) => binaries,
        Err(reason) => {
            eprintln!("browser test not run: {reason}");
            return;
        }
    };
    let started = Instant::now();
    let server = site().await;
    // The test's own driver, so it does not share (or stop) the run-wide one.
    let driver = Driver::launch(binaries).await.expect("chromedriver starts");
    let mut browser = Browser::start_on(&driver).await.expect("chromium starts");
    let outcome = exercise(&mut browser, &server.uri()).await;
    browser.close().await;
    driver.stop().await;
    if let Err(e) = outcome {
        panic!("{e}");
    }
    // A budget, not an assertion: a loaded CI machine must not fail the build over it.
    eprintln!(
        "browser test: {:?} (meant to stay under 5 s)",
        started.elapsed()
    );
}

async fn exercise(browser: &mut Browser, base: &str) -> Result<(), BrowserError> {
    let form = format!("{base}/form");
    browser.goto(&form).await?;
    assert_eq!(browser.title().await?, "Golive form");
    assert_eq!(browser.current_url().await?, form);
    assert_eq!(browser.text("h1").await?, "Checkout");
    assert_eq!(
        browser.attribute("#status", "data-state").await?.as_deref(),
        Some("ready")
    );
    assert_eq!(browser.attribute("#status", "nothing").await?, None);
    assert!(browser.is_enabled("#email").await?);
    assert!(!browser.is_enabled("#coupon").await?);
    assert!(browser.exists("#hidden").await?);
    assert!(!browser.exists("#nowhere").await?);
    assert_eq!(browser.texts("p").await?, ["Ready", ""]);

    // Labels match after whitespace is collapsed, the text nested controls aside.
    browser
        .fill_labelled(" E-mail  address ", "ana@example.com")
        .await?;
    browser.fill_labelled("Plan", "PRO").await?;
    browser.check("#terms").await?;
    browser.check("#terms").await?; // already ticked: stays ticked
    browser.select_option("#plan", "BASIC").await?;
    browser.fill_labelled("Plan", "PRO").await?;

    // Not finding something says what is there instead, quickly when asked to.
    browser.set_timeout(Duration::from_millis(100));
    let missing = browser.click_button("Pay").await.unwrap_err().to_string();
    assert!(
        missing.contains(r#"the buttons shown: "Continue""#),
        "{missing}"
    );
    assert!(missing.contains(&form), "{missing}");
    assert!(missing.contains("Checkout"), "{missing}");
    let missing = browser
        .fill_labelled("Name", "Ana")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains(r#""E-mail address", "I accept the terms", "Plan""#),
        "{missing}"
    );
    let missing = browser
        .select_option("#plan", "GOLD")
        .await
        .unwrap_err()
        .to_string();
    assert!(missing.contains(r#""BASIC", "PRO""#), "{missing}");
    browser.set_timeout(super::DEFAULT_TIMEOUT);

    browser.click_button("Continue").await?;
    let done = browser
        .wait_for_url(
            "the thanks page",
            |u| u.contains("/done"),
            Duration::from_secs(5),
        )
        .await?;
    assert!(done.contains("email=ana%40example.com"), "{done}");
    assert!(done.contains("terms=on"), "{done}");
    assert!(done.contains("plan=pro"), "{done}");
    assert!(
        browser
            .page_text()
            .await?
            .contains("Thanks for subscribing")
    );

    // The cookie goes to the page's origin, and the server sees it.
    browser.set_cookie("golive_session", "ana").await?;
    browser.click_link("Back to the form").await?;
    browser
        .wait_for_url("the form", |u| u.ends_with("/form"), Duration::from_secs(5))
        .await?;

    // Keyboard only: Tab reaches the first link, Enter follows it.
    browser.press(&[Key::Tab]).await?;
    assert_eq!(browser.active_element_text().await?, "My account");
    browser.press(&[Key::Tab, Key::ShiftTab]).await?;
    assert_eq!(browser.active_element_text().await?, "My account");
    browser.press(&[Key::Enter]).await?;
    browser
        .wait_for_text("Signed in as Ana", Duration::from_secs(5))
        .await?;

    // Typing then Enter in a text field submits its form.
    browser.goto(&form).await?;
    browser.fill("#email", "omar@example.com").await?;
    browser.press(&[Key::Text("!".into()), Key::Enter]).await?;
    let done = browser
        .wait_for_url(
            "the thanks page",
            |u| u.contains("/done"),
            Duration::from_secs(5),
        )
        .await?;
    assert!(done.contains("email=omar%40example.com%21"), "{done}");

    let png = browser.screenshot_png().await?;
    assert_eq!(
        png[..8],
        [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n']
    );
    assert!(browser.source().await?.contains("Thanks for subscribing"));

    // What a failed scenario leaves for the report.
    let report_dir = std::env::temp_dir().join(format!(
        "golive_artifacts_{}_{}",
        std::process::id(),
        crate::steps::actors::random_suffix()
    ));
    let (saved, problems) = artifacts::save(browser, &report_dir, "f--s-l1").await;
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        saved,
        [
            "artifacts/f--s-l1/screenshot.png",
            "artifacts/f--s-l1/page.html"
        ]
    );
    for file in &saved {
        assert!(report_dir.join(file).is_file(), "{file}");
    }
    let _ = std::fs::remove_dir_all(&report_dir);

    let wait = browser
        .wait_for_text("Refunded", Duration::from_millis(100))
        .await
        .unwrap_err()
        .to_string();
    assert!(wait.contains("/done?"), "{wait}");
    assert!(wait.contains("Thanks for subscribing"), "{wait}");
    Ok(())
}
