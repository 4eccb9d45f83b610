//! Checkout Sessions: opening one (any mode), expiring it, its line items, and completing
//! it (the hosted page's "Pay" and its `/_sim` twin). In `mode=subscription` a good card
//! creates the customer (if none), payment method, subscription, invoice, payment intent
//! and charge and emits the canonical event sequence (see the README), each event carrying
//! the object as it was at that moment; `mode=payment` and `mode=setup` are completed by
//! `checkout_modes`. On a declined card nothing is created and the session stays open.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::account::{Account, AccountState, EventRequest, SessionItem, SessionSubscriptionData};
use crate::cards;
use crate::engine::checkout_finish::{self, Completion};
use crate::engine::invoices::{self, Collection};
use crate::engine::payments::Payment;
use crate::engine::{checkout_modes, follow_up, payment_methods, subscriptions};
use crate::error::StripeError;
use crate::ids::new_id;

/// Expires an open session whose `expires_at` has passed (→ `checkout.session.expired`,
/// an automatic event). Called lazily whenever a session is read or paid, so advancing the
/// account clock expires sessions without a background task.
pub(crate) fn expire_if_due(st: &mut AccountState, id: &str) {
    let now = st.now();
    let Some(session) = st.store.get_kind("checkout.session", id) else {
        return;
    };
    if session["status"] != "open" || session["expires_at"].as_i64().is_none_or(|t| t > now) {
        return;
    }
    let mut expired = session.clone();
    expired["status"] = json!("expired");
    expired["url"] = Value::Null;
    st.store.put(expired.clone());
    st.emit(
        &EventRequest::default(),
        "checkout.session.expired",
        expired,
        None,
    );
}

/// Expires open session `old` now → `checkout.session.expired`.
pub(crate) fn expire(st: &mut AccountState, req: &EventRequest, old: Value) -> Value {
    let mut new = old;
    new["status"] = json!("expired");
    new["url"] = Value::Null;
    st.store.put(new.clone());
    st.emit(req, "checkout.session.expired", new.clone(), None);
    new
}

/// Seconds until an open session expires (Stripe's default, 24 h).
pub(crate) const SESSION_TTL: i64 = 24 * 3600;
/// Shortest lifetime a caller may ask for with `expires_at`.
pub(crate) const MIN_TTL: i64 = 30 * 60;

/// A checkout session to open (parameters already checked).
#[derive(Debug, Clone)]
pub(crate) struct NewSession<'a> {
    /// `subscription`, `payment` or `setup` (checked by the caller).
    pub(crate) mode: &'a str,
    /// Fields shown as given (checked by the caller), set over the defaults.
    pub(crate) options: Value,
    /// Line items (recurring prices in subscription mode, one-time prices in payment mode,
    /// none in setup mode).
    pub(crate) items: Vec<SessionItem>,
    /// Sum of the line items (`None` in setup mode).
    pub(crate) total: Option<i64>,
    /// Currency of the prices.
    pub(crate) currency: Option<String>,
    /// An existing customer, if any.
    pub(crate) customer: Option<&'a str>,
    /// `customer_email`, if any.
    pub(crate) customer_email: Option<&'a str>,
    /// `client_reference_id`, if any.
    pub(crate) client_reference_id: Option<&'a str>,
    /// Where the page redirects after paying.
    pub(crate) success_url: &'a str,
    /// Where the page's "back" link goes.
    pub(crate) cancel_url: Option<&'a str>,
    /// Session metadata.
    pub(crate) metadata: Value,
    /// When the session is created (the account's now).
    pub(crate) now: i64,
    /// When the session expires.
    pub(crate) expires_at: i64,
    /// `allow_promotion_codes`, shown as given.
    pub(crate) allow_promotion_codes: Option<bool>,
    /// `billing_address_collection`, shown as given.
    pub(crate) billing_address_collection: Option<&'a str>,
    /// `locale`, shown as given.
    pub(crate) locale: Option<&'a str>,
    /// Applied to the subscription, payment intent or setup intent at completion.
    pub(crate) subscription_data: SessionSubscriptionData,
}

/// Opens a session payable (in setup mode, where a card is saved) at
/// `{base_url}/c/pay/{id}`. Stripe sends no event for it; its payment intent or setup
/// intent is made when it is completed. The caller indexes the session id so the hosted page can find the account.
pub(crate) fn create_session(st: &mut AccountState, base_url: &str, s: NewSession<'_>) -> Value {
    open_session(st, base_url, s).0
}

/// [`create_session`], with the session's JSON text as stored (for answering it without
/// serializing it again).
pub(crate) fn open_session(
    st: &mut AccountState,
    base_url: &str,
    s: NewSession<'_>,
) -> (Value, Arc<str>) {
    let now = s.now;
    let id = new_id("cs_test_");
    let url = format!("{base_url}/c/pay/{id}");
    let mut obj = json!({
        "id": id,
        "object": "checkout.session",
        "adaptive_pricing": null,
        "after_expiration": null,
        "allow_promotion_codes": s.allow_promotion_codes,
        "allowed_payment_method_types": null,
        "amount_subtotal": s.total,
        "amount_total": s.total,
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "billing_address_collection": s.billing_address_collection,
        "cancel_url": s.cancel_url,
        "client_reference_id": s.client_reference_id,
        "client_secret": null,
        "collected_information": null,
        "consent": null,
        "consent_collection": null,
        "created": now,
        "currency": s.currency,
        "currency_conversion": null,
        "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null},
        "customer": s.customer,
        "customer_account": null,
        "customer_creation": match (s.customer, s.mode) {
            (Some(_), _) => Value::Null,
            (None, "subscription") => json!("always"),
            (None, _) => json!("if_required"),
        },
        "customer_details": null,
        "customer_email": s.customer_email,
        "discounts": [],
        "expires_at": s.expires_at,
        "integration_identifier": null,
        "invoice": null,
        "invoice_creation": null,
        "livemode": false,
        "locale": s.locale,
        "managed_payments": null,
        "metadata": s.metadata,
        "mode": s.mode,
        "origin_context": null,
        "payment_intent": null,
        "payment_link": null,
        "payment_method_collection": "always",
        "payment_method_configuration_details": null,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": if s.mode == "setup" { "no_payment_required" } else { "unpaid" },
        "permissions": null,
        "phone_number_collection": {"enabled": false},
        "recovered_from": null,
        "saved_payment_method_options": null,
        "setup_intent": null,
        "shipping_address_collection": null,
        "shipping_cost": null,
        "shipping_options": [],
        "status": "open",
        "submit_type": null,
        "subscription": null,
        "success_url": s.success_url,
        "tax_id_collection": {"enabled": false, "required": "never"},
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": url,
        "wallet_options": null,
    });
    if let Value::Object(o) = s.options {
        for (k, v) in o.into_iter().filter(|(k, _)| k != "currency") {
            obj[k] = v;
        }
    }
    let text = st.store.put_resting(&obj);
    st.session_items.insert(id.clone(), s.items);
    st.session_subscription_data
        .insert(id.clone(), s.subscription_data);
    (obj, text)
}

/// What the payer typed on the page.
#[derive(Debug, Clone, Default)]
pub(crate) struct PaymentInput {
    /// A card number, `pm_card_*` or `tok_*`.
    pub(crate) card_number: String,
    /// E-mail typed on the page, used when the session has neither customer nor e-mail.
    pub(crate) email: Option<String>,
}

/// The result of a successful payment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Completed {
    /// `success_url` with `{CHECKOUT_SESSION_ID}` replaced.
    pub(crate) redirect_url: String,
    /// The completed session.
    pub(crate) session: Value,
}

/// Pays an open session with a test card (in `mode=setup`, saves the card). A declined
/// card creates nothing and leaves the session open.
pub(crate) fn complete(
    account: &Account,
    session_id: &str,
    input: &PaymentInput,
) -> Result<Completed, StripeError> {
    // Events caused by the payer on Stripe's page carry no API request.
    let req = EventRequest::default();
    let mut st = account.lock();
    expire_if_due(&mut st, session_id);
    let session = st
        .store
        .get_kind("checkout.session", session_id)
        .cloned()
        .ok_or_else(|| StripeError::missing("checkout.session", session_id))?;
    if session["status"] != "open" {
        return Err(StripeError::InvalidRequest {
            code: Some("checkout_session_not_open"),
            param: None,
            message: format!(
                "This Checkout Session is no longer open (status: {}).",
                session["status"].as_str().unwrap_or("unknown")
            ),
        });
    }
    if input.card_number.trim().is_empty() {
        return Err(StripeError::ParameterMissing {
            param: "card_number".into(),
        });
    }
    let card = cards::resolve(&input.card_number)
        .ok_or_else(|| cards::Decline::IncorrectNumber.error(Some("card_number")))?;
    let setup = session["mode"] == "setup";
    // The control plane may force an existing customer's payments to fail or succeed;
    // saving a card is no payment.
    let forced = session["customer"]
        .as_str()
        .and_then(|cus| st.payments.customer_override.get(cus).copied())
        .filter(|_| !setup);
    let decline = match forced {
        Some(true) => Some(cards::Decline::Generic),
        Some(false) => None,
        None if setup => card.behaviour.setup_decline(),
        None => card.behaviour.checkout_decline(),
    };
    if let Some(decline) = decline {
        return Err(decline.error(None));
    }
    let data = st
        .session_subscription_data
        .get(session_id)
        .cloned()
        .unwrap_or_default();
    // A customer on a test clock lives at the clock's time; a new customer joins no clock.
    let now = match session["customer"].as_str() {
        Some(id) => st.now_for_customer(id),
        None => st.now(),
    };
    let mode = session["mode"].as_str().unwrap_or_default().to_string();
    let c = Completion {
        session,
        card: &card,
        typed_email: input.email.as_deref(),
        data,
        now,
    };
    let (done, payment) = match mode.as_str() {
        "payment" => {
            let (done, p) = checkout_modes::pay(&mut st, &req, c)?;
            (done, Some(p))
        }
        "setup" => (checkout_modes::save(&mut st, &req, c)?, None),
        _ => subscribe(&mut st, &req, c)?,
    };
    // Dispute and early-fraud-warning cards act after the flow's own events.
    if let Some(payment) = &payment {
        follow_up::run(&mut st, payment);
    }
    let redirect_url = done["success_url"]
        .as_str()
        .unwrap_or_default()
        .replace("{CHECKOUT_SESSION_ID}", session_id);
    Ok(Completed {
        redirect_url,
        session: done,
    })
}

/// Completes a `mode=subscription` session: the customer (if none), the payment method,
/// the subscription and its first invoice, paid the way every invoice is paid.
fn subscribe(
    st: &mut AccountState,
    req: &EventRequest,
    c: Completion<'_>,
) -> Result<(Value, Option<Payment>), StripeError> {
    let (session, card, sub_data, now) = (c.session, c.card, c.data, c.now);
    let session_id = session["id"].as_str().unwrap_or_default().to_string();
    let items = checkout_finish::items(st, &session_id)?;
    let customer =
        checkout_finish::customer(st, req, &session, c.typed_email, true)?.ok_or_else(|| {
            StripeError::Api {
                message: "no customer for a subscription".into(),
            }
        })?;
    let customer_id = customer["id"].as_str().unwrap_or_default().to_string();
    let email = customer["email"].as_str().map(str::to_string);

    // Payment method.
    let pm = payment_methods::insert(st, card, email.as_deref(), json!({}));
    let pm_id = pm["id"].as_str().unwrap_or_default().to_string();
    payment_methods::attach_to(st, req, &pm_id, &customer_id)?;

    // Subscription (incomplete until its first invoice is paid) and that invoice.
    let (sub, invoice_id) = subscriptions::start(
        st,
        req,
        &subscriptions::Start {
            customer: &customer,
            items: &items,
            default_payment_method: Some(&pm_id),
            metadata: sub_data.metadata.clone(),
            description: sub_data.description.as_deref(),
            trial_end: None,
            cancel_at_period_end: false,
            now,
        },
    );
    let attempt = invoices::collect(st, req, &invoice_id, Some(&pm_id), Collection::OnRequest)?;
    if let Some(err) = attempt.payment.as_ref().and_then(|p| p.error.clone()) {
        // Unreachable in practice: the card was refused above before anything was made.
        return Err(err);
    }
    let done = checkout_finish::finish(
        st,
        req,
        session,
        Some(&customer),
        email,
        &[
            ("payment_status", json!("paid")),
            ("subscription", sub["id"].clone()),
            ("invoice", json!(invoice_id)),
        ],
    );
    Ok((done, attempt.payment))
}

/// A session's line items as a list (`GET …/line_items`, and `expand[]=line_items`).
pub(crate) fn line_items(st: &AccountState, session_id: &str) -> Value {
    let data: Vec<Value> = st
        .session_items
        .get(session_id)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|it| {
            let price = st.store.get_kind("price", &it.price)?;
            let product_name = st
                .store
                .get(price["product"].as_str().unwrap_or_default())
                .and_then(|p| p["name"].as_str())
                .unwrap_or_default()
                .to_string();
            let amount = price["unit_amount"].as_i64().unwrap_or(0) * it.quantity;
            Some(json!({
                "id": new_id("li_"),
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": amount,
                "amount_tax": 0,
                "amount_total": amount,
                "currency": price["currency"],
                "description": product_name,
                "price": price,
                "quantity": it.quantity,
            }))
        })
        .collect();
    json!({
        "object": "list",
        "data": data,
        "has_more": false,
        "url": format!("/v1/checkout/sessions/{session_id}/line_items"),
    })
}
