//! `POST /_sim/trigger {event}`: makes a named event happen the way `stripe trigger` does —
//! by creating the objects it needs through the simulator's own flows (the domain layer the
//! API handlers call too), so the event
//! arrives with its real neighbours (a subscription's `invoice.paid` comes with the whole
//! Checkout sequence). Each trigger uses fresh objects (product, price, customer).
//!
//! | event(s) | fixture |
//! |---|---|
//! | `checkout.session.completed`, `customer.created`, `customer.subscription.created`, `invoice.created`/`finalized`/`paid`/`payment_succeeded`, `payment_intent.created`/`succeeded`, `charge.succeeded`, `payment_method.attached` | Checkout paid with 4242 |
//! | `customer.subscription.updated` | + metadata update |
//! | `customer.subscription.deleted` | + cancel now |
//! | `invoice.payment_failed`, `charge.failed`, `payment_intent.payment_failed` | Checkout on a new test clock, payments then made to fail, clock advanced past the renewal |
//! | `charge.dispute.created`, `charge.dispute.funds_withdrawn` | Checkout paid with 4000000000000259 |
//! | `charge.dispute.updated` / `.closed` | + evidence staged (`submit=false`) / dispute closed |
//! | `radar.early_fraud_warning.created` | Checkout paid with 4000000000005423 |
//! | `radar.early_fraud_warning.updated`, `charge.refunded`, `refund.created` | + full refund |

use serde_json::{Value, json};

use crate::account::{SessionItem, SessionSubscriptionData};
use crate::engine::catalog::{self, NewPrice, NewProduct};
use crate::engine::checkout::{self, NewSession, PaymentInput, complete};
use crate::engine::{customers, disputes, payments, refunds, subscriptions, test_clocks};
use crate::error::StripeError;
use crate::objects::status::DisputeStatus;
use crate::pipeline::Call;

/// Event types `/_sim/trigger` knows.
pub(crate) const TRIGGERS: &[&str] = &[
    "checkout.session.completed",
    "customer.created",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "payment_intent.created",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_method.attached",
    "charge.succeeded",
    "charge.failed",
    "charge.refunded",
    "refund.created",
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "radar.early_fraud_warning.created",
    "radar.early_fraud_warning.updated",
];

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

/// The objects of a paid Checkout subscription.
struct Subscribed {
    customer: String,
    subscription: String,
    invoice: String,
    charge: Option<String>,
    session: String,
}

fn subscribe(c: &Call, card: &str, customer: Option<&str>) -> Result<Subscribed, StripeError> {
    let session = {
        let mut st = c.account.lock();
        let req = &c.request;
        let product = catalog::create_product(&mut st, req, NewProduct::named("Triggered product"));
        let price = catalog::create_price(
            &mut st,
            req,
            NewPrice {
                product: &id_of(&product),
                currency: "usd",
                unit_amount: 2000,
                recurring: json!({"interval": "month", "interval_count": 1, "meter": null,
                                  "trial_period_days": null, "usage_type": "licensed"}),
                metadata: json!({}),
                lookup_key: None,
                transfer_lookup_key: false,
                active: true,
                nickname: None,
                tax_behavior: "unspecified",
            },
        )?;
        let now = st.now();
        checkout::create_session(
            &mut st,
            &c.app.base_url,
            NewSession {
                mode: "subscription",
                items: vec![SessionItem {
                    price: id_of(&price),
                    quantity: 1,
                }],
                total: Some(2000),
                currency: Some("usd".into()),
                customer,
                customer_email: customer.is_none().then_some("trigger@example.com"),
                client_reference_id: None,
                success_url: "https://example.com/success?session={CHECKOUT_SESSION_ID}",
                cancel_url: None,
                metadata: json!({}),
                now,
                expires_at: now + checkout::SESSION_TTL,
                allow_promotion_codes: None,
                billing_address_collection: None,
                locale: None,
                subscription_data: SessionSubscriptionData {
                    metadata: json!({}),
                    description: None,
                    fields: Value::Null,
                },
                options: json!({}),
            },
        )
    };
    c.app.index_session(&id_of(&session), c.account.clone());
    let session_id = id_of(&session);
    c.account.lock().delivery.new_flow();
    let done = complete(
        &c.account,
        &session_id,
        &PaymentInput {
            card_number: card.to_string(),
            email: None,
        },
    )?;
    let s = done.session;
    let customer = s["customer"].as_str().unwrap_or_default().to_string();
    let st = c.account.lock();
    let charge = st
        .store
        .ids_of("charge")
        .filter_map(|id| st.store.get(id))
        .filter(|ch| ch["customer"] == customer.as_str())
        .map(id_of)
        .last();
    Ok(Subscribed {
        customer,
        subscription: s["subscription"].as_str().unwrap_or_default().to_string(),
        invoice: s["invoice"].as_str().unwrap_or_default().to_string(),
        charge,
        session: session_id,
    })
}

fn dispute_of(c: &Call, charge: &str) -> Option<String> {
    let st = c.account.lock();
    st.store
        .ids_of("dispute")
        .filter_map(|id| st.store.get(id))
        .filter(|d| d["charge"] == charge)
        .map(id_of)
        .last()
}

/// `POST /_sim/trigger {event}` → `{"object":"sim.trigger","event","events":[evt ids of
/// that type],"objects":{customer, subscription, invoice, charge, checkout_session, …}}`.
pub(crate) fn trigger(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&["event"])?;
    let event = p.required("event")?.to_string();
    if !TRIGGERS.contains(&event.as_str()) {
        return Err(StripeError::invalid(
            "event",
            format!(
                "Cannot trigger {event}. Supported events: {}.",
                TRIGGERS.join(", ")
            ),
        ));
    }
    let before = c.account.lock().store.ids_of("event").count();
    let mut objects = json!({});
    let mut put = |k: &str, v: &str| {
        objects[k] = json!(v);
    };
    match event.as_str() {
        "invoice.payment_failed" | "charge.failed" | "payment_intent.payment_failed" => {
            let (now, clock_id, cus) = {
                let mut st = c.account.lock();
                let now = st.now();
                let clock = test_clocks::create(&mut st, &c.request, now, Some("trigger"));
                let clock_id = id_of(&clock);
                let customer = customers::insert_with_clock(
                    &mut st,
                    &c.request,
                    Some("failing@example.com"),
                    None,
                    None,
                    None,
                    json!({}),
                    json!({}),
                    Some((&clock_id, now)),
                );
                (now, clock_id, id_of(&customer))
            };
            let s = subscribe(c, "4242424242424242", Some(&cus))?;
            let target = {
                let mut st = c.account.lock();
                payments::set_customer_override(&mut st, &cus, Some(true));
                let end = st
                    .store
                    .get_kind("subscription", &s.subscription)
                    .and_then(crate::objects::subscription_period_end)
                    .unwrap_or(now);
                end + st.time.settings.finalize_after_secs + 1
            };
            {
                let mut st = c.account.lock();
                let clock = st
                    .store
                    .get_kind(test_clocks::KIND, &clock_id)
                    .cloned()
                    .unwrap_or_default();
                test_clocks::advance(&mut st, &c.request, clock, target);
            }
            put("test_clock", &clock_id);
            put("customer", &cus);
            put("subscription", &s.subscription);
            put("checkout_session", &s.session);
            let st = c.account.lock();
            if let Some(inv) = st
                .store
                .get_kind("subscription", &s.subscription)
                .and_then(|sub| sub["latest_invoice"].as_str())
            {
                put("invoice", inv);
            }
        }
        "charge.dispute.created"
        | "charge.dispute.funds_withdrawn"
        | "charge.dispute.updated"
        | "charge.dispute.closed" => {
            let s = subscribe(c, "4000000000000259", None)?;
            let charge = s.charge.clone().unwrap_or_default();
            let dp = dispute_of(c, &charge).ok_or_else(|| StripeError::Api {
                message: "the dispute card did not open a dispute".into(),
            })?;
            {
                let mut st = c.account.lock();
                let old = st
                    .store
                    .get_kind("dispute", &dp)
                    .cloned()
                    .unwrap_or_default();
                if event == "charge.dispute.updated" {
                    // Evidence staged, not submitted.
                    let mut new = old.clone();
                    new["evidence"]["uncategorized_text"] = json!("Triggered evidence");
                    new["evidence_details"]["has_evidence"] = json!(true);
                    disputes::update(&mut st, &c.request, &old, new, false);
                } else if event == "charge.dispute.closed" {
                    // Conceded, as `POST /v1/disputes/{id}/close` does.
                    disputes::close_as(&mut st, &c.request, old, DisputeStatus::Lost);
                }
            }
            put("customer", &s.customer);
            put("subscription", &s.subscription);
            put("charge", &charge);
            put("dispute", &dp);
        }
        "radar.early_fraud_warning.created"
        | "radar.early_fraud_warning.updated"
        | "charge.refunded"
        | "refund.created" => {
            let card = if event.starts_with("radar.") {
                "4000000000005423"
            } else {
                "4242424242424242"
            };
            let s = subscribe(c, card, None)?;
            let charge = s.charge.clone().unwrap_or_default();
            if event != "radar.early_fraud_warning.created" {
                let mut st = c.account.lock();
                refunds::refund(&mut st, &c.request, &charge, None, None, json!({}))?;
            }
            put("customer", &s.customer);
            put("subscription", &s.subscription);
            put("charge", &charge);
        }
        _ => {
            let s = subscribe(c, "4242424242424242", None)?;
            {
                let mut st = c.account.lock();
                let old = st
                    .store
                    .get_kind("subscription", &s.subscription)
                    .cloned()
                    .unwrap_or_default();
                if event == "customer.subscription.updated" {
                    let mut new = old.clone();
                    new["metadata"]["triggered"] = json!("true");
                    subscriptions::record_update(&mut st, &c.request, &old, &new);
                } else if event == "customer.subscription.deleted" {
                    let now = st.now_for_customer(&s.customer);
                    subscriptions::cancel_now(&mut st, &c.request, old, now, None);
                }
            }
            put("customer", &s.customer);
            put("subscription", &s.subscription);
            put("invoice", &s.invoice);
            put("checkout_session", &s.session);
            if let Some(ch) = &s.charge {
                put("charge", ch);
            }
        }
    }
    let st = c.account.lock();
    let events: Vec<String> = st
        .store
        .ids_of("event")
        .skip(before)
        .filter_map(|id| st.store.get(id))
        .filter(|e| e["type"] == event.as_str())
        .map(id_of)
        .collect();
    if events.is_empty() {
        return Err(StripeError::Api {
            message: format!("the {event} fixture ran but emitted no {event} event"),
        });
    }
    Ok(json!({"object": "sim.trigger", "event": event, "events": events, "objects": objects}))
}
