//! One scenario's browser. Lookups poll with a deadline, because the pages render and redirect
//! on their own time; on timeout the error carries the URL and what the page said.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::driver::{self, Driver};
use super::webdriver::{Answer, Element, Session, excerpt};
use super::{BrowserError, Key, http_client, normalise};

/// How long a lookup waits for what it looks for, unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The pause between two looks: short, because a look is one loopback round trip.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How much of the page's text a timeout quotes.
const TEXT_EXCERPT: usize = 400;

/// The window every browser opens with, so layouts (and screenshots) are the same everywhere.
const WINDOW_SIZE: &str = "1280,900";

/// One headless Chromium, driven over WebDriver.
pub struct Browser {
    session: Session,
    /// The browser's own profile folder, removed when it closes.
    profile: PathBuf,
    timeout: Duration,
}

/// What one look found: the thing, or a description of what was there instead.
enum Look<T> {
    Done(T),
    NotYet(String),
}

/// The script behind `click_button` and `click_link`: the first shown element of `selector`
/// whose name (text, or value for an input) equals the wanted one; else every shown name.
const FIND_BY_NAME: &str = r#"
const [selector, wanted] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
const name = e => e.tagName === 'INPUT' ? norm(e.value) : norm(e.innerText);
const all = Array.from(document.querySelectorAll(selector)).filter(shown);
const hit = all.find(e => name(e) === wanted);
return hit ? { element: hit } : { names: all.map(name) };
"#;

/// The script behind `fill_labelled`: the control of the `<label>` whose own text (without the
/// controls nested in it) equals the wanted one; else every label's text.
const FIND_LABELLED: &str = r#"
const [wanted] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const own = l => {
  const copy = l.cloneNode(true);
  copy.querySelectorAll('input, select, textarea, button').forEach(c => c.remove());
  return norm(copy.textContent);
};
const labels = Array.from(document.querySelectorAll('label'));
const hit = labels.find(l => own(l) === wanted);
if (!hit) return { names: labels.map(own) };
const control = hit.control;
if (!control) return { unbound: true };
return { element: control, tag: control.tagName.toLowerCase() };
"#;

/// The script behind `select_option`: the option of a `<select>` whose text equals the wanted one.
const FIND_OPTION: &str = r#"
const [select, wanted] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const options = Array.from(select.options || []);
const hit = options.find(o => norm(o.text) === wanted);
return hit ? { element: hit } : { names: options.map(o => norm(o.text)) };
"#;

/// The script behind `active_element_text`: what a keyboard user has focused, as they would
/// read it: a field's value, a select's chosen option, else the element's text.
const ACTIVE_TEXT: &str = r#"
const e = document.activeElement;
if (!e || e === document.body) return '';
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
if (e.tagName === 'SELECT') return norm(e.selectedOptions[0] ? e.selectedOptions[0].text : '');
if (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA') return e.value;
return norm(e.innerText);
"#;

/// The chromium flags every browser starts with: headless, and nothing that reaches out to the
/// internet or to shared state on the machine (sync, updates, first-run pages, /dev/shm).
fn chromium_args(profile: &std::path::Path) -> Vec<String> {
    [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--lang=en-US",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([
        format!("--window-size={WINDOW_SIZE}"),
        format!("--user-data-dir={}", profile.display()),
    ])
    .collect()
}

/// Quotes names for a message: `"Pay", "Cancel"`, or `none`.
fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The names a lookup script listed when it found nothing.
fn names_in(value: &Value) -> Vec<String> {
    value
        .get("names")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Browser {
    /// Opens a browser on the run's chromedriver (started on the first call of the run).
    pub async fn start() -> Result<Browser, BrowserError> {
        let driver = driver::shared().await?;
        Browser::start_on(driver).await
    }

    /// Opens a browser on a given chromedriver, with a fresh profile.
    pub(crate) async fn start_on(driver: &Driver) -> Result<Browser, BrowserError> {
        let profile = std::env::temp_dir().join(format!(
            "golive_chromium_{}_{}",
            std::process::id(),
            crate::steps::actors::random_suffix()
        ));
        std::fs::create_dir_all(&profile).map_err(|source| BrowserError::Io {
            action: format!("creating the browser profile {}", profile.display()),
            source,
        })?;
        let capabilities = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            // Waiting is ours to do (with messages); WebDriver's implicit wait would hide it.
            "timeouts": { "implicit": 0, "pageLoad": 30_000, "script": 10_000 },
            "goog:chromeOptions": {
                "binary": driver.binaries.chromium,
                "args": chromium_args(&profile),
            },
        });
        let opened = match http_client() {
            Ok(http) => Session::create(http, &driver.url, capabilities)
                .await
                .map_err(|answer| BrowserError::Command {
                    action: format!(
                        "starting {} through chromedriver",
                        driver.binaries.chromium.display()
                    ),
                    page: driver.url.clone(),
                    answer,
                }),
            Err(e) => Err(e),
        };
        match opened {
            Ok(session) => Ok(Browser {
                session,
                profile,
                timeout: DEFAULT_TIMEOUT,
            }),
            Err(e) => {
                remove_profile(&profile).await;
                Err(e)
            }
        }
    }

    /// Closes the browser and removes its profile. Problems are printed, not returned: a
    /// scenario's verdict does not depend on how its browser went away.
    pub async fn close(self) {
        if let Err(answer) = self.session.delete().await {
            eprintln!("golive: closing the browser: {answer}");
        }
        remove_profile(&self.profile).await;
    }

    /// How long lookups wait.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Changes how long lookups wait.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Loads `url` and waits for its load event.
    pub async fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.session
            .navigate(url)
            .await
            .map_err(|answer| BrowserError::Command {
                action: format!("opening {url}"),
                page: url.to_string(),
                answer,
            })
    }

    /// The page's URL.
    pub async fn current_url(&self) -> Result<String, BrowserError> {
        let result = self.session.current_url().await;
        self.checked(|| "reading the URL".to_string(), result).await
    }

    /// The page's title.
    pub async fn title(&self) -> Result<String, BrowserError> {
        let result = self.session.title().await;
        self.checked(|| "reading the title".to_string(), result)
            .await
    }

    /// Sets a cookie for the current page's origin: path `/`, `SameSite=Lax`, `HttpOnly` (as the
    /// backend's session cookie is). Open a page of that origin first.
    pub async fn set_cookie(&self, name: &str, value: &str) -> Result<(), BrowserError> {
        let cookie = json!({
            "name": name,
            "value": value,
            "path": "/",
            "sameSite": "Lax",
            "httpOnly": true,
        });
        let result = self.session.add_cookie(cookie).await;
        self.checked(|| format!("setting the cookie {name}"), result)
            .await
    }

    /// Clicks the first displayed element matching `css`, waiting until there is one (and
    /// until nothing covers it).
    pub async fn click(&self, css: &str) -> Result<(), BrowserError> {
        self.wait(&format!("clicking {css:?}"), self.timeout, || async move {
            match self.displayed(css).await? {
                Look::Done(element) => {
                    self.session.click(&element).await?;
                    Ok(Look::Done(()))
                }
                Look::NotYet(seen) => Ok(Look::NotYet(seen)),
            }
        })
        .await
    }

    /// Clicks the `<button>` or `input[type=submit]` whose visible text (or value) is `label`,
    /// compared after collapsing whitespace; waits until there is one.
    pub async fn click_button(&self, label: &str) -> Result<(), BrowserError> {
        self.click_named("button, input[type=submit]", "button", label)
            .await
    }

    /// Clicks the link (`<a>`) whose visible text is `label`, compared after collapsing
    /// whitespace; waits until there is one.
    pub async fn click_link(&self, label: &str) -> Result<(), BrowserError> {
        self.click_named("a", "link", label).await
    }

    async fn click_named(
        &self,
        selector: &str,
        kind: &str,
        label: &str,
    ) -> Result<(), BrowserError> {
        let wanted = normalise(label);
        let action = format!("clicking the {kind} {wanted:?}");
        self.wait(&action, self.timeout, || {
            let wanted = wanted.clone();
            async move {
                let found = self
                    .session
                    .execute(FIND_BY_NAME, vec![json!(selector), json!(wanted)])
                    .await?;
                match found.get("element").and_then(Element::from_value) {
                    Some(element) => {
                        self.session.click(&element).await?;
                        Ok(Look::Done(()))
                    }
                    None => Ok(Look::NotYet(format!(
                        "no {kind} is labelled {wanted:?}; the {kind}s shown: {}",
                        quoted(&names_in(&found))
                    ))),
                }
            }
        })
        .await
    }

    /// Empties the first displayed element matching `css`, then types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        self.wait(&format!("filling {css:?}"), self.timeout, || async move {
            match self.displayed(css).await? {
                Look::Done(element) => {
                    self.type_into(&element, text).await?;
                    Ok(Look::Done(()))
                }
                Look::NotYet(seen) => Ok(Look::NotYet(seen)),
            }
        })
        .await
    }

    /// Fills the input or textarea whose `<label>` says `label` (its own text, compared after
    /// collapsing whitespace); for a `<select>`, chooses the option whose text is `text`.
    pub async fn fill_labelled(&self, label: &str, text: &str) -> Result<(), BrowserError> {
        let wanted = normalise(label);
        let action = format!("filling the field labelled {wanted:?}");
        self.wait(&action, self.timeout, || {
            let wanted = wanted.clone();
            async move {
                let found = self
                    .session
                    .execute(FIND_LABELLED, vec![json!(wanted)])
                    .await?;
                if found.get("unbound").is_some() {
                    return Ok(Look::NotYet(format!(
                        "the label {wanted:?} is bound to no field (no `for`, nothing inside)"
                    )));
                }
                let Some(element) = found.get("element").and_then(Element::from_value) else {
                    return Ok(Look::NotYet(format!(
                        "no label says {wanted:?}; the labels: {}",
                        quoted(&names_in(&found))
                    )));
                };
                if found.get("tag").and_then(Value::as_str) == Some("select") {
                    return self.choose(&element, text).await;
                }
                self.type_into(&element, text).await?;
                Ok(Look::Done(()))
            }
        })
        .await
    }

    /// Chooses the option whose visible text is `visible_text` in the first displayed
    /// `<select>` matching `css_of_select`.
    pub async fn select_option(
        &self,
        css_of_select: &str,
        visible_text: &str,
    ) -> Result<(), BrowserError> {
        let action = format!("choosing {visible_text:?} in {css_of_select:?}");
        self.wait(&action, self.timeout, || async move {
            match self.displayed(css_of_select).await? {
                Look::Done(select) => self.choose(&select, visible_text).await,
                Look::NotYet(seen) => Ok(Look::NotYet(seen)),
            }
        })
        .await
    }

    /// Ticks the first displayed checkbox matching `css`, unless it is ticked already.
    pub async fn check(&self, css: &str) -> Result<(), BrowserError> {
        self.wait(&format!("ticking {css:?}"), self.timeout, || async move {
            let element = match self.displayed(css).await? {
                Look::Done(element) => element,
                Look::NotYet(seen) => return Ok(Look::NotYet(seen)),
            };
            if self.is_checked(&element).await? {
                return Ok(Look::Done(()));
            }
            self.session.click(&element).await?;
            if self.is_checked(&element).await? {
                Ok(Look::Done(()))
            } else {
                Ok(Look::NotYet(format!(
                    "{css:?} was clicked but is still not ticked"
                )))
            }
        })
        .await
    }

    /// The visible text of the first displayed element matching `css`, waiting until there is
    /// one.
    pub async fn text(&self, css: &str) -> Result<String, BrowserError> {
        self.wait(&format!("reading {css:?}"), self.timeout, || async move {
            match self.displayed(css).await? {
                Look::Done(element) => Ok(Look::Done(self.session.text(&element).await?)),
                Look::NotYet(seen) => Ok(Look::NotYet(seen)),
            }
        })
        .await
    }

    /// The visible text of every element matching `css` (hidden ones read as empty), without
    /// waiting: none is an empty list.
    pub async fn texts(&self, css: &str) -> Result<Vec<String>, BrowserError> {
        let result = async {
            let mut texts = Vec::new();
            for element in self.session.find_all(css).await? {
                texts.push(self.session.text(&element).await?);
            }
            Ok(texts)
        }
        .await;
        self.checked(|| format!("reading every {css:?}"), result)
            .await
    }

    /// Whether anything matches `css` now (displayed or not), without waiting.
    pub async fn exists(&self, css: &str) -> Result<bool, BrowserError> {
        let result = self.session.find_all(css).await.map(|e| !e.is_empty());
        self.checked(|| format!("looking for {css:?}"), result)
            .await
    }

    /// An attribute of the first element matching `css` (displayed or not), waiting until there
    /// is one; `None` when it lacks the attribute.
    pub async fn attribute(&self, css: &str, name: &str) -> Result<Option<String>, BrowserError> {
        let action = format!("reading the {name} of {css:?}");
        self.wait(&action, self.timeout, || async move {
            match self.present(css).await? {
                Look::Done(element) => {
                    Ok(Look::Done(self.session.attribute(&element, name).await?))
                }
                Look::NotYet(seen) => Ok(Look::NotYet(seen)),
            }
        })
        .await
    }

    /// Whether the first element matching `css` is enabled, waiting until there is one.
    pub async fn is_enabled(&self, css: &str) -> Result<bool, BrowserError> {
        let action = format!("checking whether {css:?} is enabled");
        self.wait(&action, self.timeout, || async move {
            match self.present(css).await? {
                Look::Done(element) => Ok(Look::Done(self.session.is_enabled(&element).await?)),
                Look::NotYet(seen) => Ok(Look::NotYet(seen)),
            }
        })
        .await
    }

    /// The page's visible text (`document.body.innerText`).
    pub async fn page_text(&self) -> Result<String, BrowserError> {
        let result = self.read_page_text().await;
        self.checked(|| "reading the page's text".to_string(), result)
            .await
    }

    /// Waits until the page's visible text contains `needle`. It does not reload: pages that
    /// show progress refresh themselves.
    pub async fn wait_for_text(&self, needle: &str, timeout: Duration) -> Result<(), BrowserError> {
        let action = format!("waiting for the page to say {needle:?}");
        self.wait(&action, timeout, || async move {
            if self.read_page_text().await?.contains(needle) {
                Ok(Look::Done(()))
            } else {
                Ok(Look::NotYet(format!("the page does not say {needle:?}")))
            }
        })
        .await
    }

    /// Waits until the page's URL satisfies `pred`, and returns it; `what` names the awaited
    /// page for the message (`the success URL`).
    pub async fn wait_for_url(
        &self,
        what: &str,
        pred: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> Result<String, BrowserError> {
        let action = format!("waiting for {what}");
        let pred = &pred;
        self.wait(&action, timeout, || async move {
            let url = self.session.current_url().await?;
            if pred(&url) {
                Ok(Look::Done(url))
            } else {
                Ok(Look::NotYet(format!("the URL is {url}")))
            }
        })
        .await
    }

    /// Presses `keys` in order on whatever has focus, as a keyboard would.
    pub async fn press(&self, keys: &[Key]) -> Result<(), BrowserError> {
        let strokes: Vec<(bool, String)> = keys.iter().map(Key::stroke).collect();
        let result = self.session.press(&strokes).await;
        self.checked(|| format!("pressing {keys:?}"), result).await
    }

    /// What has keyboard focus, as its user reads it: a field's value, a select's chosen option,
    /// else its text (empty when nothing but the page has focus).
    pub async fn active_element_text(&self) -> Result<String, BrowserError> {
        let result = self
            .session
            .execute(ACTIVE_TEXT, vec![])
            .await
            .map(|v| v.as_str().map(str::to_string).unwrap_or_default());
        self.checked(|| "reading the focused element".to_string(), result)
            .await
    }

    /// The `id` of what has keyboard focus (empty when nothing but the page has focus), for
    /// keyboard-only steps that must land on one particular control.
    pub async fn active_element_id(&self) -> Result<String, BrowserError> {
        let result = self
            .session
            .execute(
                "const e = document.activeElement; return e && e !== document.body ? e.id : '';",
                vec![],
            )
            .await
            .map(|v| v.as_str().map(str::to_string).unwrap_or_default());
        self.checked(|| "reading the focused element".to_string(), result)
            .await
    }

    /// Ticks the checkbox whose `<label>` says `label` (compared after collapsing whitespace),
    /// unless it is ticked already; waits until there is one.
    pub async fn check_labelled(&self, label: &str) -> Result<(), BrowserError> {
        let wanted = normalise(label);
        let action = format!("ticking the box labelled {wanted:?}");
        self.wait(&action, self.timeout, || {
            let wanted = wanted.clone();
            async move {
                let found = self
                    .session
                    .execute(FIND_LABELLED, vec![json!(wanted)])
                    .await?;
                let Some(element) = found.get("element").and_then(Element::from_value) else {
                    return Ok(Look::NotYet(format!(
                        "no label says {wanted:?}; the labels: {}",
                        quoted(&names_in(&found))
                    )));
                };
                if !self.is_checked(&element).await? {
                    self.session.click(&element).await?;
                }
                if self.is_checked(&element).await? {
                    Ok(Look::Done(()))
                } else {
                    Ok(Look::NotYet(format!(
                        "{wanted:?} was clicked but is still not ticked"
                    )))
                }
            }
        })
        .await
    }

    /// Whether the button labelled `label` can be pressed (a button inside a disabled
    /// fieldset cannot); waits until there is one.
    pub async fn is_button_enabled(&self, label: &str) -> Result<bool, BrowserError> {
        let wanted = normalise(label);
        let action = format!("checking whether the button {wanted:?} is enabled");
        self.wait(&action, self.timeout, || {
            let wanted = wanted.clone();
            async move {
                let found = self
                    .session
                    .execute(
                        FIND_BY_NAME,
                        vec![json!("button, input[type=submit]"), json!(wanted)],
                    )
                    .await?;
                match found.get("element").and_then(Element::from_value) {
                    Some(element) => Ok(Look::Done(self.session.is_enabled(&element).await?)),
                    None => Ok(Look::NotYet(format!(
                        "no button is labelled {wanted:?}; the buttons shown: {}",
                        quoted(&names_in(&found))
                    ))),
                }
            }
        })
        .await
    }

    /// A PNG screenshot of the window.
    pub async fn screenshot_png(&self) -> Result<Vec<u8>, BrowserError> {
        let result = self.session.screenshot().await.and_then(|encoded| {
            super::base64::decode(&encoded)
                .ok_or_else(|| Answer::Garbled("the screenshot is not base64".to_string()))
        });
        self.checked(|| "taking a screenshot".to_string(), result)
            .await
    }

    /// The page's HTML as the browser holds it now (after scripts ran).
    pub async fn source(&self) -> Result<String, BrowserError> {
        let result = self.session.source().await;
        self.checked(|| "reading the page's HTML".to_string(), result)
            .await
    }

    // ----- the pieces the lookups share -----

    async fn read_page_text(&self) -> Result<String, Answer> {
        let value = self
            .session
            .execute(
                "return document.body ? document.body.innerText : '';",
                vec![],
            )
            .await?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// The first element matching `css`, displayed or not.
    async fn present(&self, css: &str) -> Result<Look<Element>, Answer> {
        Ok(match self.session.find_all(css).await?.into_iter().next() {
            Some(element) => Look::Done(element),
            None => Look::NotYet(format!("nothing matches {css:?}")),
        })
    }

    /// The first displayed element matching `css`.
    async fn displayed(&self, css: &str) -> Result<Look<Element>, Answer> {
        let all = self.session.find_all(css).await?;
        for element in &all {
            if self.session.is_displayed(element).await? {
                return Ok(Look::Done(element.clone()));
            }
        }
        Ok(Look::NotYet(if all.is_empty() {
            format!("nothing matches {css:?}")
        } else {
            format!("{} elements match {css:?}, none is displayed", all.len())
        }))
    }

    async fn type_into(&self, element: &Element, text: &str) -> Result<(), Answer> {
        self.session.clear(element).await?;
        self.session.send_keys(element, text).await
    }

    async fn is_checked(&self, element: &Element) -> Result<bool, Answer> {
        Ok(self.session.property(element, "checked").await? == Value::Bool(true))
    }

    /// Clicks the option of `select` whose text is `wanted`, as a person picks from the list.
    async fn choose(&self, select: &Element, wanted: &str) -> Result<Look<()>, Answer> {
        let wanted = normalise(wanted);
        let found = self
            .session
            .execute(FIND_OPTION, vec![select.to_value(), json!(wanted)])
            .await?;
        match found.get("element").and_then(Element::from_value) {
            Some(option) => {
                self.session.click(&option).await?;
                Ok(Look::Done(()))
            }
            None => Ok(Look::NotYet(format!(
                "no option says {wanted:?}; the options: {}",
                quoted(&names_in(&found))
            ))),
        }
    }

    /// Runs `look` until it finds what it looks for or `timeout` passes. WebDriver refusing a
    /// look (a stale element while the page re-renders, a covered button) is an observation to
    /// retry; chromedriver not answering ends the wait at once.
    async fn wait<T, F, Fut>(
        &self,
        action: &str,
        timeout: Duration,
        mut look: F,
    ) -> Result<T, BrowserError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Look<T>, Answer>>,
    {
        let give_up_at = Instant::now() + timeout;
        loop {
            let seen = match look().await {
                Ok(Look::Done(value)) => return Ok(value),
                Ok(Look::NotYet(seen)) => seen,
                Err(answer @ Answer::Unreachable(_)) => {
                    return Err(self.failure(action.to_string(), answer).await);
                }
                Err(answer) => answer.to_string(),
            };
            if Instant::now() >= give_up_at {
                let page = self
                    .session
                    .current_url()
                    .await
                    .unwrap_or_else(|e| format!("(an unknown page: {e})"));
                let text = match self.read_page_text().await {
                    Ok(text) => format!("{:?}", excerpt(&normalise(&text), TEXT_EXCERPT)),
                    Err(e) => format!("(unreadable: {e})"),
                };
                return Err(BrowserError::Timeout {
                    action: action.to_string(),
                    page,
                    waited: timeout,
                    seen,
                    text,
                });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// A command's result, with its failure put in context: what was tried, on which page.
    async fn checked<T>(
        &self,
        action: impl FnOnce() -> String,
        result: Result<T, Answer>,
    ) -> Result<T, BrowserError> {
        match result {
            Ok(value) => Ok(value),
            Err(answer) => Err(self.failure(action(), answer).await),
        }
    }

    async fn failure(&self, action: String, answer: Answer) -> BrowserError {
        // Asking a driver that does not answer for the URL would only wait for a second failure.
        let page = match &answer {
            Answer::Unreachable(_) => "(chromedriver unreachable)".to_string(),
            _ => self
                .session
                .current_url()
                .await
                .unwrap_or_else(|e| format!("(an unknown page: {e})")),
        };
        BrowserError::Command {
            action,
            page,
            answer,
        }
    }
}

/// Removes a browser profile. Chromium may still be writing to it for a moment after its
/// session ended, so removal is retried until a deadline.
async fn remove_profile(profile: &std::path::Path) {
    let give_up_at = Instant::now() + Duration::from_secs(5);
    loop {
        match std::fs::remove_dir_all(profile) {
            Ok(()) => return,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
            Err(e) if Instant::now() >= give_up_at => {
                eprintln!(
                    "golive: could not remove the browser profile {}: {e}",
                    profile.display()
                );
                return;
            }
            Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}
