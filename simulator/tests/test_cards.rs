//! Walks every row of `docs/test-cards.md` against a running simulator: each card number,
//! each `pm_card_…` name and each `tok_…` name of the row is used as Stripe's docs say to
//! use it (a card number in `POST /v1/payment_methods`, a `pm_card_…` name as a payment
//! method of a confirmed payment intent, a `tok_…` name as the `source` of a legacy charge)
//! and must give the card details and the result the row promises. The unit test
//! `cards::tests::the_docs_table_is_the_code_table` keeps the docs equal to the code's list.

use crate::api_common;

use api_common::{Api, id, sim};
use axum::http::StatusCode;
use serde_json::Value;

/// One row of the docs table.
#[derive(Debug)]
struct Row {
    number: String,
    pm: Vec<String>,
    tok: Vec<String>,
    brand: String,
    funding: String,
    country: String,
    result: Vec<String>,
}

fn code_spans(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn rows() -> Vec<Row> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/test-cards.md"))
        .expect("docs/test-cards.md");
    doc.lines()
        .skip_while(|l| !l.starts_with("<!-- cards:begin"))
        .take_while(|l| !l.starts_with("<!-- cards:end"))
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 7, "a row has 7 cells: {l}");
            Row {
                number: code_spans(cells[0]).remove(0),
                pm: code_spans(cells[1]),
                tok: code_spans(cells[2]),
                brand: cells[3].to_string(),
                funding: cells[4].to_string(),
                country: cells[5].to_string(),
                result: code_spans(cells[6])
                    .remove(0)
                    .split(' ')
                    .map(str::to_string)
                    .collect(),
            }
        })
        .collect()
}

impl Row {
    fn kind(&self) -> &str {
        &self.result[0]
    }

    /// `(code, decline_code)` of a declining row.
    fn codes(&self) -> (String, Option<String>) {
        let c = &self.result[1];
        match c.split_once('/') {
            Some((a, b)) => (a.to_string(), Some(b.to_string())),
            None => (c.clone(), None),
        }
    }

    /// The value a `key=value` word of the result gives, if any.
    fn word(&self, key: &str) -> Option<&str> {
        self.result
            .iter()
            .find_map(|w| w.strip_prefix(&format!("{key}=")))
    }

    /// Checks a payment method's or a charge's `card` details against the row.
    fn check_card(&self, card: &Value, name: &str) {
        assert_eq!(
            card["brand"],
            self.brand.as_str(),
            "{name}: brand in {card}"
        );
        assert_eq!(card["funding"], self.funding.as_str(), "{name}: funding");
        assert_eq!(card["country"], self.country.as_str(), "{name}: country");
        assert_eq!(
            card["last4"],
            &self.number[self.number.len() - 4..],
            "{name}: last4"
        );
        let checks = &card["checks"];
        assert_eq!(
            checks["cvc_check"],
            self.word("cvc").unwrap_or("pass"),
            "{name}: cvc"
        );
        let or_null = |w: Option<&str>| w.map_or(Value::Null, |s| Value::String(s.into()));
        assert_eq!(
            checks["address_line1_check"],
            or_null(self.word("line1")),
            "{name}: line1"
        );
        assert_eq!(
            checks["address_postal_code_check"],
            or_null(self.word("postal")),
            "{name}: postal"
        );
    }
}

/// Checks the answer to a charge attempt (`status`, `body`) and the stored charge against
/// the row; `charge_of` finds the charge id in a successful answer.
async fn check_charge(
    api: &Api,
    row: &Row,
    name: &str,
    status: StatusCode,
    body: &Value,
    charge_id: Option<String>,
) {
    let charge_id = match row.kind() {
        "ok" | "dispute" | "inquiry" | "efw" => {
            assert_eq!(status, StatusCode::OK, "{name}: {body}");
            charge_id.unwrap_or_else(|| panic!("{name}: no charge in {body}"))
        }
        "declined" | "blocked" | "charge_fails" => {
            assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{name}: {body}");
            let (code, decline) = row.codes();
            let e = &body["error"];
            assert_eq!(e["type"], "card_error", "{name}: {body}");
            assert_eq!(e["code"], code.as_str(), "{name}: {body}");
            assert_eq!(
                e["decline_code"].as_str(),
                decline.as_deref(),
                "{name}: {body}"
            );
            e["charge"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no charge in {body}"))
                .to_string()
        }
        other => panic!("{name}: unknown result {other}"),
    };
    let ch = api.get_ok(&format!("/v1/charges/{charge_id}"), &[]).await;
    row.check_card(&ch["payment_method_details"]["card"], name);
    let outcome = &ch["outcome"];
    match row.kind() {
        "declined" | "charge_fails" => {
            assert_eq!(ch["status"], "failed", "{name}");
            assert_eq!(outcome["type"], "issuer_declined", "{name}: {outcome}");
        }
        "blocked" => {
            assert_eq!(ch["status"], "failed", "{name}");
            assert_eq!(outcome["type"], "blocked", "{name}: {outcome}");
            assert_eq!(outcome["risk_level"], "highest", "{name}");
        }
        _ => {
            assert_eq!(ch["status"], "succeeded", "{name}");
            assert_eq!(outcome["type"], "authorized", "{name}");
            assert_eq!(
                outcome["risk_level"],
                row.word("risk").unwrap_or("normal"),
                "{name}"
            );
        }
    }
    let disputes = api.get_ok("/v1/disputes", &[("charge", &charge_id)]).await;
    let warnings = api
        .get_ok("/v1/radar/early_fraud_warnings", &[("charge", &charge_id)])
        .await;
    let n = |v: &Value| v["data"].as_array().map_or(0, Vec::len);
    match row.kind() {
        "dispute" | "inquiry" => {
            assert_eq!(n(&disputes), 1, "{name}: {disputes}");
            let d = &disputes["data"][0];
            assert_eq!(d["reason"], row.result[1].as_str(), "{name}");
            let want = if row.kind() == "inquiry" {
                "warning_needs_response"
            } else {
                "needs_response"
            };
            assert_eq!(d["status"], want, "{name}");
        }
        "efw" => assert_eq!(n(&warnings), 1, "{name}: {warnings}"),
        _ => {
            assert_eq!(n(&disputes), 0, "{name}: {disputes}");
            assert_eq!(n(&warnings), 0, "{name}: {warnings}");
        }
    }
}

/// Pays 10.00 with payment method `pm` through a confirmed payment intent.
async fn pay_with(api: &Api, row: &Row, name: &str, pm: &str) {
    let (s, v) = api
        .post(
            "/v1/payment_intents",
            &[
                ("amount", "1000"),
                ("currency", "usd"),
                ("payment_method", pm),
                ("confirm", "true"),
            ],
        )
        .await;
    let charge = v["latest_charge"].as_str().map(str::to_string);
    check_charge(api, row, name, s, &v, charge).await;
}

/// Attaching the row's card to a customer: refused (402) for declining and blocked cards.
async fn check_attach(api: &Api, row: &Row, pm: &str) {
    let cus = api.ok("/v1/customers", &[]).await;
    let (s, v) = api
        .post(
            &format!("/v1/payment_methods/{pm}/attach"),
            &[("customer", &id(&cus))],
        )
        .await;
    let refused = matches!(row.kind(), "declined" | "blocked");
    let want = if refused {
        StatusCode::PAYMENT_REQUIRED
    } else {
        StatusCode::OK
    };
    assert_eq!(s, want, "attach {}: {v}", row.number);
}

#[tokio::test]
async fn every_card_and_every_name_does_what_the_docs_table_says() {
    let sim = sim().await;
    let api = Api::new(&sim);
    let rows = rows();
    assert!(rows.len() >= 100, "the table has {} rows", rows.len());
    let mut names = 0;
    for row in &rows {
        // The raw number.
        let (s, pm) = api
            .post(
                "/v1/payment_methods",
                &[("type", "card"), ("card[number]", &row.number)],
            )
            .await;
        names += 1;
        if row.kind() == "declined" && row.result[1] == "incorrect_number" {
            assert_eq!(s, StatusCode::PAYMENT_REQUIRED, "{}: {pm}", row.number);
            assert_eq!(pm["error"]["code"], "incorrect_number");
            continue;
        }
        assert_eq!(s, StatusCode::OK, "{}: {pm}", row.number);
        row.check_card(&pm["card"], &row.number);
        pay_with(&api, row, &row.number, &id(&pm)).await;
        check_attach(&api, row, &id(&pm)).await;
        // Each pm_card_… name: retrieved as a payment method, then paid with.
        for name in &row.pm {
            let pm = api
                .get_ok(&format!("/v1/payment_methods/{name}"), &[])
                .await;
            assert!(
                id(&pm).starts_with("pm_") && id(&pm) != *name,
                "{name} makes a fresh pm_…"
            );
            row.check_card(&pm["card"], name);
            pay_with(&api, row, name, name).await;
            names += 1;
        }
        // Each tok_… name: the source of a legacy charge.
        for name in &row.tok {
            let (s, v) = api
                .post(
                    "/v1/charges",
                    &[("amount", "1000"), ("currency", "usd"), ("source", name)],
                )
                .await;
            let charge = (s == StatusCode::OK).then(|| id(&v));
            check_charge(&api, row, name, s, &v, charge).await;
            names += 1;
        }
    }
    println!("walked {} rows, {names} names", rows.len());
}
