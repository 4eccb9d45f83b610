//! The pieces every lookup shares: one look at the page, the wait that repeats it until a
//! deadline, and errors that say what was tried, on which page, and what was seen.

use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::scripts::FIND_OPTION;
use super::{Browser, POLL_INTERVAL};
use crate::steps::browser::webdriver::{Answer, Element, excerpt};
use crate::steps::browser::{BrowserError, normalise};

/// How much of the page's text a timeout quotes.
const TEXT_EXCERPT: usize = 400;

/// What one look found: the thing, or a description of what was there instead.
pub(super) enum Look<T> {
    Done(T),
    NotYet(String),
}

/// Quotes names for a message: `"Pay", "Cancel"`, or `none`.
pub(super) fn quoted(names: &[String]) -> String {
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
pub(super) fn names_in(value: &Value) -> Vec<String> {
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
    pub(super) async fn read_page_text(&self) -> Result<String, Answer> {
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
    pub(super) async fn present(&self, css: &str) -> Result<Look<Element>, Answer> {
        Ok(match self.session.find_all(css).await?.into_iter().next() {
            Some(element) => Look::Done(element),
            None => Look::NotYet(format!("nothing matches {css:?}")),
        })
    }

    /// The first displayed element matching `css`.
    pub(super) async fn displayed(&self, css: &str) -> Result<Look<Element>, Answer> {
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

    pub(super) async fn type_into(&self, element: &Element, text: &str) -> Result<(), Answer> {
        self.session.clear(element).await?;
        self.session.send_keys(element, text).await
    }

    pub(super) async fn is_checked(&self, element: &Element) -> Result<bool, Answer> {
        Ok(self.session.property(element, "checked").await? == Value::Bool(true))
    }

    /// Clicks the option of `select` whose text is `wanted`, as a person picks from the list.
    pub(super) async fn choose(&self, select: &Element, wanted: &str) -> Result<Look<()>, Answer> {
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
    pub(super) async fn wait<T, F, Fut>(
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
    pub(super) async fn checked<T>(
        &self,
        action: impl FnOnce() -> String,
        result: Result<T, Answer>,
    ) -> Result<T, BrowserError> {
        match result {
            Ok(value) => Ok(value),
            Err(answer) => Err(self.failure(action(), answer).await),
        }
    }

    pub(super) async fn failure(&self, action: String, answer: Answer) -> BrowserError {
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
