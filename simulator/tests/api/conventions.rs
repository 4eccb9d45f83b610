//! Stripe's API conventions over HTTP: Stripe-shaped errors, pagination and `expand[]`,
//! the JSON twin of the control plane and request ids, random and malformed bodies, the
//! binary.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;
use tokio::time::{Instant, timeout};

use super::common::*;

#[tokio::test]
async fn errors_are_stripe_shaped() {
    let sim = sim().await;
    let http = client();
    let api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };

    // Live and garbage keys.
    for auth in ["Bearer sk_live_123", "Bearer garbage", "Basic !!"] {
        let r = http
            .get(format!("{}/v1/customers", sim.base_url))
            .header("authorization", auth)
            .send()
            .await
            .expect("401");
        assert_eq!(r.status().as_u16(), 401, "{auth}");
        assert!(r.headers().get("request-id").is_some());
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["error"]["type"], "invalid_request_error");
    }
    let r = http
        .get(format!("{}/v1/customers", sim.base_url))
        .send()
        .await
        .expect("no key");
    assert_eq!(r.status().as_u16(), 401);

    // Unknown routes and wrong methods.
    let (s, v) = api.get("/v1/nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        v["error"]["message"],
        "Unrecognized request URL (GET: /v1/nope)."
    );
    let r = http
        .delete(format!("{}/v1/products", sim.base_url))
        .bearer_auth(&api.key)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status().as_u16(), 404);
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v["error"]["message"],
        "Unrecognized request URL (DELETE: /v1/products)."
    );

    // Missing, unknown and malformed parameters.
    let (s, v) = api.post("/v1/products", &[]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "parameter_missing");
    assert_eq!(v["error"]["param"], "name");
    let (s, v) = api
        .post("/v1/products", &[("name", "x"), ("colour", "red")])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "parameter_unknown");
    let (s, v) = api
        .post("/v1/customers", &[("metadata", "x"), ("metadata[a]", "b")])
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api.get("/v1/customers/cus_missing").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["message"], "No such customer: 'cus_missing'");
    assert_eq!(v["error"]["param"], "id");
    let (s, v) = api.get("/v1/customers?limit=101").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // Idempotency: replay, then a different body with the same key.
    let post_idem = |body: &'static str| {
        http.post(format!("{}/v1/customers", sim.base_url))
            .bearer_auth(&api.key)
            .header("idempotency-key", "key-1")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let first = post_idem("email=a%40example.com").await.expect("first");
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.expect("json");
    let again = post_idem("email=a%40example.com").await.expect("again");
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let again: Value = again.json().await.expect("json");
    assert_eq!(first["id"], again["id"]);
    let other = post_idem("email=b%40example.com").await.expect("other");
    assert_eq!(other.status().as_u16(), 400);
    let other: Value = other.json().await.expect("json");
    assert_eq!(other["error"]["type"], "idempotency_error");
    let (_, list) = api.get("/v1/customers").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));

    // Accounts are isolated.
    let other_api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (_, list) = other_api.get("/v1/customers").await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0));
    let (s, _) = other_api
        .get(&format!(
            "/v1/customers/{}",
            first["id"].as_str().expect("id")
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Deleted customers.
    let cus = first["id"].as_str().expect("id");
    let r = http
        .delete(format!("{}/v1/customers/{cus}", sim.base_url))
        .bearer_auth(&api.key)
        .send()
        .await
        .expect("delete");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["deleted"], true);
    let (s, v) = api.get(&format!("/v1/customers/{cus}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["deleted"], true);
    sim.shutdown().await;
}

#[tokio::test]
async fn lists_paginate_newest_first_and_expand() {
    let sim = sim().await;
    let api = Api {
        http: client(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let mut ids = Vec::new();
    for i in 0..5 {
        let (_, p) = api
            .post("/v1/products", &[("name", &format!("p{i}"))])
            .await;
        ids.push(p["id"].as_str().expect("id").to_string());
    }
    let (_, page1) = api.get("/v1/products?limit=2").await;
    assert_eq!(page1["data"][0]["id"], ids[4]);
    assert_eq!(page1["data"][1]["id"], ids[3]);
    assert_eq!(page1["has_more"], true);
    let (_, page2) = api
        .get(&format!("/v1/products?limit=2&starting_after={}", ids[3]))
        .await;
    assert_eq!(page2["data"][0]["id"], ids[2]);
    let (_, back) = api
        .get(&format!("/v1/products?limit=2&ending_before={}", ids[2]))
        .await;
    assert_eq!(back["data"][0]["id"], ids[4]);

    let (_, price) = api
        .post(
            "/v1/prices",
            &[
                ("product", &ids[0]),
                ("unit_amount", "500"),
                ("currency", "eur"),
                ("expand[]", "product"),
            ],
        )
        .await;
    assert_eq!(price["product"]["id"], ids[0]);
    let (_, prices) = api.get("/v1/prices?expand[0]=data.product").await;
    assert_eq!(prices["data"][0]["product"]["name"], "p0");
    let (s, v) = api.get("/v1/prices?expand[]=data.currency").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    sim.shutdown().await;
}

#[tokio::test]
async fn json_twin_and_request_ids() {
    let sim = sim().await;
    let http = client();
    let api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let session_id = setup_session(&api).await;
    let r = http
        .post(format!(
            "{}/_sim/checkout/sessions/{session_id}/pay",
            sim.base_url
        ))
        .bearer_auth(&api.key)
        .header("content-type", "application/json")
        .body(r#"{"card_number": "4000000000009995"}"#)
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status().as_u16(), 402);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"]["decline_code"], "insufficient_funds");
    let r = http
        .post(format!(
            "{}/_sim/checkout/sessions/{session_id}/pay",
            sim.base_url
        ))
        .bearer_auth(&api.key)
        .header("content-type", "application/json")
        .body(r#"{"card_number": "pm_card_visa"}"#)
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status().as_u16(), 200);
    // Paying twice is refused; another account cannot see the session.
    let (s, _) = api
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let stranger = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let (s, _) = stranger
        .post(
            &format!("/_sim/checkout/sessions/{session_id}/pay"),
            &[("card_number", "4242424242424242")],
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    for path in ["/v1/nope", "/v1/customers", "/_sim/nope"] {
        let r = http
            .get(format!("{}{path}", sim.base_url))
            .bearer_auth(&api.key)
            .send()
            .await
            .expect("get");
        let id = r
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(id.starts_with("req_"), "{path}: {id:?}");
    }
    let r = http
        .get(format!("{}/v1/customers/%FF", sim.base_url))
        .bearer_auth(&api.key)
        .send()
        .await
        .expect("bad path");
    assert!(r.status().is_client_error());
    let _: Value = r.json().await.expect("json error");
    sim.shutdown().await;
}

#[tokio::test]
async fn random_bodies_never_cause_5xx() {
    let sim = sim().await;
    let http = client();
    let key = key();
    let routes = [
        "/v1/products",
        "/v1/prices",
        "/v1/customers",
        "/v1/checkout/sessions",
        "/v1/webhook_endpoints",
        "/_sim/checkout/sessions/cs_test_x/pay",
    ];
    let alphabet = b"ab[]0=&%5Bexpandmetadata_line_items";
    let mut seed: u64 = 7;
    for i in 0..600 {
        let mut body = Vec::new();
        for _ in 0..(seed % 40) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            body.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        let route = routes[i % routes.len()];
        let r = http
            .post(format!("{}{route}", sim.base_url))
            .bearer_auth(&key)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await
            .expect("post");
        let status = r.status().as_u16();
        let v: Value = r.json().await.expect("always JSON");
        assert!(
            status < 500,
            "{route} {:?} → {status} {v}",
            String::from_utf8_lossy(&body)
        );
        if status != 200 {
            assert!(v["error"]["type"].is_string(), "{v}");
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn binary_prints_its_url_and_serves() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_stripe-sim"))
        .args(["--listen", "127.0.0.1:0", "--header-read-timeout", "0.3"])
        .args(["--idle-timeout", "30", "--max-connections", "8"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn stripe-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = timeout(DEADLINE, lines.next_line())
        .await
        .expect("printed in time")
        .expect("read")
        .expect("a line");
    let url = line
        .strip_prefix("stripe-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"));
    let r = client()
        .get(format!("{url}/v1/x"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status().as_u16(), 404);
    // The timeout flags reach the server: a half-sent head is cut off after 0.3 s.
    let addr = url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    tokio::io::AsyncWriteExt::write_all(&mut s, b"GET / HTTP/1.1\r\n")
        .await
        .expect("write");
    let closed = read_until_closed(&mut s, Instant::now() + Duration::from_secs(5)).await;
    assert!(closed.is_some(), "--header-read-timeout was not applied");
    child.kill().await.expect("kill");
    let bad = tokio::process::Command::new(env!("CARGO_BIN_EXE_stripe-sim"))
        .args(["--listen", "127.0.0.1:0", "--idle-timeout", "0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .await
        .expect("run stripe-sim");
    assert!(!bad.success(), "a zero timeout is refused");
}

/// Sends `body` (raw bytes) to `url` as a form post and returns status, content type and text.
async fn raw_post(
    http: &reqwest::Client,
    url: &str,
    key: Option<&str>,
    body: &[u8],
) -> (u16, String, String) {
    let mut req = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_vec());
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let r = req.send().await.expect("post");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ct, r.text().await.expect("text"))
}

#[tokio::test]
async fn malformed_form_encodings_are_stripe_shaped_400s() {
    let sim = sim().await;
    let http = client();
    let api = Api {
        http: http.clone(),
        base: sim.base_url.clone(),
        key: key(),
    };
    let bad: [&[u8]; 13] = [
        b"description=%zz",
        b"description=%",
        b"description=%4",
        b"description=%ff",
        b"description=\xff",
        b"description=%00",
        b"description=a\x00b",
        b"=x",
        b"description=a&=x",
        b"[a]=1",
        b"a[b=1",
        b"a]b=1",
        b"metadata%5Bk=1",
    ];
    for body in bad {
        let shown = String::from_utf8_lossy(body);
        // API body, the control plane's form bodies.
        for path in ["/v1/customers", "/_sim/clock/advance"] {
            let url = format!("{}{path}", sim.base_url);
            let (status, ct, text) = raw_post(&http, &url, Some(&api.key), body).await;
            assert_eq!(status, 400, "{path} {shown:?}: {text}");
            assert!(ct.starts_with("application/json"), "{path} {shown:?}: {ct}");
            let v: Value = serde_json::from_str(&text).expect("JSON error");
            assert_eq!(v["error"]["type"], "invalid_request_error", "{shown:?}");
            assert!(
                v["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty())
            );
        }
    }
    // Query strings of GET requests go through the same decoder.
    for q in [
        "email=%zz",
        "email=%",
        "email=%ff",
        "email=%00",
        "=x",
        "a[b=1",
    ] {
        let (s, v) = api.get(&format!("/v1/customers?{q}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert_eq!(v["error"]["type"], "invalid_request_error", "{q}: {v}");
    }
    // What the SDKs send keeps working.
    let (s, c) = api
        .post(
            "/v1/customers",
            &[
                ("email", "a+b@example.com"),
                ("metadata[k x]", "50%"),
                ("name", ""),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["email"], "a+b@example.com");
    assert_eq!(c["metadata"]["k x"], "50%");
    let url = format!("{}/v1/customers", sim.base_url);
    let (status, _, text) = raw_post(
        &http,
        &url,
        Some(&api.key),
        b"description=x+y&metadata%5Ba%5D=1&expand%5B%5D=default_source&expand[1]=test_clock",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let c: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(c["description"], "x y");
    assert_eq!(c["metadata"]["a"], "1");
    let (s, v) = api
        .get("/v1/customers?limit=1&expand%5B%5D=data.test_clock")
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // The hosted pages answer their HTML error page with a 400.
    let session_id = setup_session(&api).await;
    let page_url = format!("{}/c/pay/{session_id}", sim.base_url);
    let (s, customer) = api
        .post("/v1/customers", &[("email", "p@example.com")])
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, portal) = api
        .post(
            "/v1/billing_portal/sessions",
            &[
                ("customer", customer["id"].as_str().expect("id")),
                ("return_url", "https://app.example/account"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{portal}");
    let portal_url = format!("{}/cancel", portal["url"].as_str().expect("url"));
    for body in [
        &b"card_number=%zz"[..],
        b"card_number=%ff",
        b"=4242",
        b"a[b=1",
    ] {
        for url in [&page_url, &portal_url] {
            let (status, ct, text) = raw_post(&http, url, None, body).await;
            let shown = String::from_utf8_lossy(body);
            assert_eq!(status, 400, "{url} {shown:?}: {text}");
            assert!(ct.starts_with("text/html"), "{url} {shown:?}: {ct}");
            assert!(
                text.contains("<html") || text.contains("<!DOCTYPE"),
                "{text}"
            );
        }
    }
    let (_, session) = api
        .get(&format!("/v1/checkout/sessions/{session_id}"))
        .await;
    assert_eq!(session["status"], "open");
    sim.shutdown().await;
}
