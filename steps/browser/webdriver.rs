//! A thin W3C WebDriver client: JSON over HTTP to chromedriver, one method per command the
//! harness uses. It knows nothing about waiting or pages; [`super::Browser`] builds on it.

use reqwest::Method;
use serde_json::{Value, json};

/// The key under which WebDriver serialises a DOM element (W3C "web element identifier").
pub(crate) const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long one WebDriver command may take. Starting Chromium and loading a page are the slow
/// ones; anything longer means the browser hung.
pub(crate) const COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// WebDriver's key codes (W3C "keyboard actions"), for keys that are not text.
pub(crate) mod keys {
    /// Tab.
    pub const TAB: &str = "\u{E004}";
    /// Enter (the main keyboard's Return).
    pub const ENTER: &str = "\u{E007}";
    /// Shift (the left one).
    pub const SHIFT: &str = "\u{E008}";
    /// Escape.
    pub const ESCAPE: &str = "\u{E00C}";
    /// Space.
    pub const SPACE: &str = "\u{E00D}";
}

/// What WebDriver answered when a command did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Answer {
    /// chromedriver could not be reached, or did not answer in time.
    #[error("chromedriver did not answer: {0}")]
    Unreachable(#[source] reqwest::Error),
    /// WebDriver refused the command (`no such element`, `invalid cookie domain`, …).
    #[error("WebDriver answered {status} {error}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// WebDriver's error code.
        error: String,
        /// WebDriver's message (its first lines).
        message: String,
    },
    /// The answer was not the JSON WebDriver promises.
    #[error("WebDriver's answer was not understood: {0}")]
    Garbled(String),
}

impl Answer {
    /// WebDriver's error code, when it refused the command.
    pub fn code(&self) -> Option<&str> {
        match self {
            Answer::Refused { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A DOM element, by WebDriver's reference to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element(pub(crate) String);

impl Element {
    /// The element a JSON value refers to, when it is one.
    pub(crate) fn from_value(value: &Value) -> Option<Element> {
        value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .map(|id| Element(id.to_string()))
    }

    /// The element as a script argument.
    pub(crate) fn to_value(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// Sends one WebDriver command and returns its `value`, or what WebDriver answered instead.
pub(crate) async fn call(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, Answer> {
    let mut request = http.request(method.clone(), url).timeout(COMMAND_TIMEOUT);
    // WebDriver wants a JSON body on every POST, even an empty one.
    if method == Method::POST {
        request = request.json(&body.unwrap_or_else(|| json!({})));
    }
    let response = request.send().await.map_err(Answer::Unreachable)?;
    let status = response.status();
    let text = response.text().await.map_err(Answer::Unreachable)?;
    let mut parsed: Value = serde_json::from_str(&text)
        .map_err(|e| Answer::Garbled(format!("{status}: {e}: {}", excerpt(&text, 200))))?;
    let value = parsed
        .get_mut("value")
        .map(Value::take)
        .unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    let field = |name: &str| {
        value
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Err(Answer::Refused {
        status: status.as_u16(),
        error: field("error"),
        message: first_lines(&field("message")),
    })
}

/// A WebDriver session: one browser, driven through its own URL prefix.
pub(crate) struct Session {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`.
    prefix: String,
}

impl Session {
    /// Opens a session with these capabilities (W3C `alwaysMatch`).
    pub(crate) async fn create(
        http: reqwest::Client,
        driver_url: &str,
        capabilities: Value,
    ) -> Result<Session, Answer> {
        let value = call(
            &http,
            Method::POST,
            &format!("{driver_url}/session"),
            Some(json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )
        .await?;
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| Answer::Garbled(format!("no sessionId in {value}")))?;
        Ok(Session {
            http,
            prefix: format!("{driver_url}/session/{id}"),
        })
    }

    async fn get(&self, path: &str) -> Result<Value, Answer> {
        call(
            &self.http,
            Method::GET,
            &format!("{}{path}", self.prefix),
            None,
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, Answer> {
        call(
            &self.http,
            Method::POST,
            &format!("{}{path}", self.prefix),
            Some(body),
        )
        .await
    }

    /// Loads `url` and waits for it as the page-load strategy says (`normal`: the load event).
    pub(crate) async fn navigate(&self, url: &str) -> Result<(), Answer> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    /// The top-level page's URL.
    pub(crate) async fn current_url(&self) -> Result<String, Answer> {
        string(self.get("/url").await?)
    }

    /// The page's title.
    pub(crate) async fn title(&self) -> Result<String, Answer> {
        string(self.get("/title").await?)
    }

    /// The elements matching a CSS selector, in document order; none is not an error.
    pub(crate) async fn find_all(&self, css: &str) -> Result<Vec<Element>, Answer> {
        let value = self
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await?;
        value
            .as_array()
            .map(|items| items.iter().filter_map(Element::from_value).collect())
            .ok_or_else(|| Answer::Garbled(format!("not a list of elements: {value}")))
    }

    /// Clicks the element's centre, as a person would (fails when something covers it).
    pub(crate) async fn click(&self, element: &Element) -> Result<(), Answer> {
        self.post(&format!("/element/{}/click", element.0), json!({}))
            .await
            .map(drop)
    }

    /// Empties an input or textarea.
    pub(crate) async fn clear(&self, element: &Element) -> Result<(), Answer> {
        self.post(&format!("/element/{}/clear", element.0), json!({}))
            .await
            .map(drop)
    }

    /// Focuses the element and types `text` into it.
    pub(crate) async fn send_keys(&self, element: &Element, text: &str) -> Result<(), Answer> {
        self.post(
            &format!("/element/{}/value", element.0),
            json!({ "text": text }),
        )
        .await
        .map(drop)
    }

    /// The element's rendered text (empty when hidden).
    pub(crate) async fn text(&self, element: &Element) -> Result<String, Answer> {
        string(self.get(&format!("/element/{}/text", element.0)).await?)
    }

    /// An HTML attribute as written in the page, `None` when absent.
    pub(crate) async fn attribute(
        &self,
        element: &Element,
        name: &str,
    ) -> Result<Option<String>, Answer> {
        let value = self
            .get(&format!("/element/{}/attribute/{name}", element.0))
            .await?;
        Ok(value.as_str().map(str::to_string))
    }

    /// A DOM property (`checked`, `value`, …), as JSON.
    pub(crate) async fn property(&self, element: &Element, name: &str) -> Result<Value, Answer> {
        self.get(&format!("/element/{}/property/{name}", element.0))
            .await
    }

    /// Whether the element is rendered (WebDriver's "element displayedness").
    pub(crate) async fn is_displayed(&self, element: &Element) -> Result<bool, Answer> {
        boolean(
            self.get(&format!("/element/{}/displayed", element.0))
                .await?,
        )
    }

    /// Whether a form control is enabled.
    pub(crate) async fn is_enabled(&self, element: &Element) -> Result<bool, Answer> {
        boolean(self.get(&format!("/element/{}/enabled", element.0)).await?)
    }

    /// Runs a script's body synchronously with `args` (elements as [`Element::to_value`]) and
    /// returns what it returned.
    pub(crate) async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, Answer> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Adds a cookie for the current page's origin.
    pub(crate) async fn add_cookie(&self, cookie: Value) -> Result<(), Answer> {
        self.post("/cookie", json!({ "cookie": cookie }))
            .await
            .map(drop)
    }

    /// A screenshot of the viewport, as WebDriver sends it: base64 PNG.
    pub(crate) async fn screenshot(&self) -> Result<String, Answer> {
        string(self.get("/screenshot").await?)
    }

    /// The page's serialised DOM.
    pub(crate) async fn source(&self) -> Result<String, Answer> {
        string(self.get("/source").await?)
    }

    /// Presses and releases each key in turn on whatever has focus (W3C key actions), holding
    /// Shift around the keys marked so. Keys go to the active element, as a keyboard's would.
    pub(crate) async fn press(&self, strokes: &[(bool, String)]) -> Result<(), Answer> {
        let mut actions = Vec::new();
        for (shift, key) in strokes {
            if *shift {
                actions.push(json!({ "type": "keyDown", "value": keys::SHIFT }));
            }
            // A text key is one action per character, so "ab" types a then b.
            for character in key.chars() {
                let value = character.to_string();
                actions.push(json!({ "type": "keyDown", "value": value }));
                actions.push(json!({ "type": "keyUp", "value": value }));
            }
            if *shift {
                actions.push(json!({ "type": "keyUp", "value": keys::SHIFT }));
            }
        }
        self.post(
            "/actions",
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await?;
        // Releasing resets the input state, so no key stays held into the next command.
        call(
            &self.http,
            Method::DELETE,
            &format!("{}/actions", self.prefix),
            None,
        )
        .await
        .map(drop)
    }

    /// Ends the session; chromedriver closes the browser.
    pub(crate) async fn delete(&self) -> Result<(), Answer> {
        call(&self.http, Method::DELETE, &self.prefix, None)
            .await
            .map(drop)
    }
}

fn string(value: Value) -> Result<String, Answer> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(Answer::Garbled(format!("expected a string, got {other}"))),
    }
}

fn boolean(value: Value) -> Result<bool, Answer> {
    value
        .as_bool()
        .ok_or_else(|| Answer::Garbled(format!("expected true or false, got {value}")))
}

/// chromedriver's messages end with session details and a stack trace; the first lines say it.
fn first_lines(message: &str) -> String {
    let kept: Vec<&str> = message
        .lines()
        .take_while(|line| !line.trim_start().starts_with("Stacktrace"))
        .filter(|line| !line.trim_start().starts_with("(Session info"))
        .take(3)
        .collect();
    excerpt(&kept.join(" "), 400)
}

/// At most `max` characters of `text`, marked when cut.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let mut cut: String = text.chars().take(max).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_round_trip_through_webdriver_json() {
        let element = Element("abc".into());
        assert_eq!(Element::from_value(&element.to_value()), Some(element));
        assert_eq!(Element::from_value(&json!({ "x": 1 })), None);
    }

    #[test]
    fn messages_keep_the_reason_and_drop_the_session_info() {
        let message = "no such element: Unable to locate element\n  (Session info: chrome=156)\nStacktrace:\n#0 0x1";
        let kept = first_lines(message);
        assert!(kept.starts_with("no such element"), "{kept}");
        assert!(!kept.contains("Session info"), "{kept}");
        assert!(!kept.contains("0x1"), "{kept}");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("héllo", 10), "héllo");
    }
}
