//! A small Stripe-style HTTP client: JSON values encoded as bracketed form parameters, the
//! way the official SDKs send them.

use serde_json::Value;

/// One answer: HTTP status and JSON body.
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The Stripe error code, when the answer is an error.
    pub fn code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }

    /// The parameter a `parameter_unknown` error names.
    pub fn unknown_param(&self) -> Option<&str> {
        if self.status == 400 && self.code() == Some("parameter_unknown") {
            self.body["error"]["param"].as_str()
        } else {
            None
        }
    }

    /// True for the 404 every unrouted path or method gets.
    pub fn unrouted(&self) -> bool {
        self.status == 404
            && self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Unrecognized request URL"))
    }
}

/// Flattens `value` under `prefix` into `(name, value)` pairs: `a[b][0][c]=…`.
pub fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}[{k}]")
                };
                flatten(&name, v, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null if prefix.is_empty() => {}
        Value::Null => out.push((prefix.to_string(), String::new())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn encode(params: &Value) -> String {
    let mut pairs = Vec::new();
    flatten("", params, &mut pairs);
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// A client for one account of the simulator.
pub struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Client {
    /// A client with its own `sk_test_…` key (so its own account).
    pub fn new(base: &str, key: &str) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
        }
    }

    /// `GET path?params`.
    pub async fn get(&self, path: &str, params: &Value) -> Answer {
        let q = encode(params);
        let url = if q.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{q}", self.base)
        };
        self.send(self.http.get(url)).await
    }

    /// `POST path` with a form body.
    pub async fn post(&self, path: &str, params: &Value) -> Answer {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encode(params));
        self.send(req).await
    }

    /// `POST path`, panicking unless the answer is a 200: for the fixtures.
    pub async fn ok(&self, path: &str, params: &Value) -> Value {
        let a = self.post(path, params).await;
        assert_eq!(a.status, 200, "POST {path} {params}: {}", a.body);
        a.body
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let resp = req
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("simulator answers");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("non-JSON answer ({status}): {text}"));
        Answer { status, body }
    }
}
