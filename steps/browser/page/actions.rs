//! What a step does with the browser: open a page, set a cookie, click, type, choose, tick and
//! press keys; every lookup waits for its element.

use serde_json::{Value, json};

use super::Browser;
use super::look::{Look, names_in, quoted};
use super::scripts::{FIND_BY_NAME, FIND_LABELLED};
use crate::steps::browser::webdriver::{Answer, Element};
use crate::steps::browser::{BrowserError, Key, normalise};

impl Browser {
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
            self.tick(&element, css).await
        })
        .await
    }

    /// Clicks checkbox `element` unless it is ticked already; done once it shows ticked.
    async fn tick(&self, element: &Element, named: &str) -> Result<Look<()>, Answer> {
        if !self.is_checked(element).await? {
            self.session.click(element).await?;
        }
        if self.is_checked(element).await? {
            Ok(Look::Done(()))
        } else {
            Ok(Look::NotYet(format!(
                "{named:?} was clicked but is still not ticked"
            )))
        }
    }

    /// Presses `keys` in order on whatever has focus, as a keyboard would.
    pub async fn press(&self, keys: &[Key]) -> Result<(), BrowserError> {
        let strokes: Vec<(bool, String)> = keys.iter().map(Key::stroke).collect();
        let result = self.session.press(&strokes).await;
        self.checked(|| format!("pressing {keys:?}"), result).await
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
                self.tick(&element, &wanted).await
            }
        })
        .await
    }
}
