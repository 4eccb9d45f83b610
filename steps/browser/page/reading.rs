//! What a step reads from the browser: the URL and title, texts and attributes, what has
//! focus, whether a button is enabled, a screenshot and the page's HTML; and the waits for a
//! text or a URL.

use std::time::Duration;

use serde_json::json;

use super::Browser;
use super::look::{Look, names_in, quoted};
use super::scripts::{ACTIVE_TEXT, FIND_BY_NAME};
use crate::steps::browser::webdriver::{Answer, Element};
use crate::steps::browser::{BrowserError, normalise};

impl Browser {
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
            crate::steps::browser::base64::decode(&encoded)
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
}
