//! `/v1/billing_portal/configurations` (create, retrieve, update, list) and
//! `/v1/billing_portal/sessions` (create). A session's `url` is
//! `{base_url}/p/session/{bps_id}`; the session id is indexed in `App` like a Checkout
//! Session so the hosted portal page (see `hosted/`) finds its account without a key.
//! The page reads the session (`customer`, `return_url`, `configuration`) and the
//! configuration's `features` from the account store.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::api::{list_kind, retrieve_kind};
use crate::error::StripeError;
use crate::ids::new_id;
use crate::objects::previous_attributes;
use crate::params::Params;
use crate::pipeline::Call;

const CONFIG_PARAMS: &[&str] = &[
    "business_profile",
    "default_return_url",
    "features",
    "login_page",
    "metadata",
    "name",
    "active",
];
const FEATURES: &[&str] = &[
    "customer_update",
    "invoice_history",
    "payment_method_update",
    "subscription_cancel",
    "subscription_update",
];
const ALLOWED_UPDATES: &[&str] = &["address", "email", "name", "phone", "shipping", "tax_id"];
const PRORATION: &[&str] = &["always_invoice", "create_prorations", "none"];

/// The features of a configuration with everything off, as Stripe renders them.
fn default_features() -> Value {
    json!({
        "customer_update": {"allowed_updates": [], "enabled": false},
        "invoice_history": {"enabled": false},
        "payment_method_update": {"enabled": false, "payment_method_configuration": null},
        "subscription_cancel": {
            "cancellation_reason": {"enabled": false, "options": []},
            "enabled": false,
            "mode": "at_period_end",
            "proration_behavior": "none",
        },
        "subscription_update": {
            "billing_cycle_anchor": null,
            "default_allowed_updates": [],
            "enabled": false,
            "products": [],
            "proration_behavior": "none",
            "schedule_at_period_end": {"conditions": []},
            "trial_update_behavior": "end_trial",
        },
    })
}

fn one_of(p: &Params, path: &str, allowed: &[&str]) -> Result<Option<String>, StripeError> {
    match p.nonempty(path)? {
        Some(v) if !allowed.contains(&v) => Err(StripeError::invalid(
            path,
            format!("Invalid {path}: must be one of {}", allowed.join(", ")),
        )),
        v => Ok(v.map(str::to_string)),
    }
}

fn string_list(
    p: &Params,
    path: &str,
    allowed: Option<&[&str]>,
) -> Result<Option<Vec<String>>, StripeError> {
    if p.get(path) == Some(&json!("")) {
        return Ok(Some(Vec::new()));
    }
    let list = p.str_list(path)?;
    if let (Some(l), Some(allowed)) = (&list, allowed) {
        for v in l {
            if !allowed.contains(&v.as_str()) {
                return Err(StripeError::invalid(
                    path,
                    format!("Invalid {path}: '{v}' is not one of {}", allowed.join(", ")),
                ));
            }
        }
    }
    Ok(list)
}

/// Applies `features[…]` parameters onto `features`, validating products and prices.
fn apply_features(st: &AccountState, p: &Params, features: &mut Value) -> Result<(), StripeError> {
    p.allow_only_under("features", FEATURES)?;
    p.allow_only_under("features[customer_update]", &["allowed_updates", "enabled"])?;
    p.allow_only_under("features[invoice_history]", &["enabled"])?;
    p.allow_only_under(
        "features[payment_method_update]",
        &["enabled", "payment_method_configuration"],
    )?;
    p.allow_only_under(
        "features[subscription_cancel]",
        &[
            "cancellation_reason",
            "enabled",
            "mode",
            "proration_behavior",
        ],
    )?;
    p.allow_only_under(
        "features[subscription_cancel][cancellation_reason]",
        &["enabled", "options"],
    )?;
    p.allow_only_under(
        "features[subscription_update]",
        &[
            "default_allowed_updates",
            "enabled",
            "products",
            "proration_behavior",
            "schedule_at_period_end",
            "billing_cycle_anchor",
            "trial_update_behavior",
        ],
    )?;
    for f in FEATURES {
        if let Some(b) = p.bool(&format!("features[{f}][enabled]"))? {
            features[f]["enabled"] = json!(b);
        }
    }
    if let Some(l) = string_list(
        p,
        "features[customer_update][allowed_updates]",
        Some(ALLOWED_UPDATES),
    )? {
        features["customer_update"]["allowed_updates"] = json!(l);
    }
    if let Some(m) = one_of(
        p,
        "features[subscription_cancel][mode]",
        &["at_period_end", "immediately"],
    )? {
        features["subscription_cancel"]["mode"] = json!(m);
    }
    if let Some(m) = one_of(
        p,
        "features[subscription_cancel][proration_behavior]",
        PRORATION,
    )? {
        features["subscription_cancel"]["proration_behavior"] = json!(m);
    }
    if let Some(b) = p.bool("features[subscription_cancel][cancellation_reason][enabled]")? {
        features["subscription_cancel"]["cancellation_reason"]["enabled"] = json!(b);
    }
    if let Some(l) = string_list(
        p,
        "features[subscription_cancel][cancellation_reason][options]",
        Some(&[
            "customer_service",
            "low_quality",
            "missing_features",
            "other",
            "switched_service",
            "too_complex",
            "too_expensive",
            "unused",
        ]),
    )? {
        features["subscription_cancel"]["cancellation_reason"]["options"] = json!(l);
    }
    if let Some(l) = string_list(
        p,
        "features[subscription_update][default_allowed_updates]",
        Some(&["price", "promotion_code", "quantity"]),
    )? {
        features["subscription_update"]["default_allowed_updates"] = json!(l);
    }
    if let Some(m) = one_of(
        p,
        "features[subscription_update][proration_behavior]",
        PRORATION,
    )? {
        features["subscription_update"]["proration_behavior"] = json!(m);
    }
    if let Some(products) = p.obj_list("features[subscription_update][products]")? {
        let mut out = Vec::new();
        for (i, pr) in products.iter().enumerate() {
            let base = format!("features[subscription_update][products][{i}]");
            if let Value::Object(m) = &pr.0 {
                for k in m.keys() {
                    if !["product", "prices", "adjustable_quantity"].contains(&k.as_str()) {
                        return Err(StripeError::ParameterUnknown {
                            param: format!("{base}[{k}]"),
                        });
                    }
                }
            }
            let product = pr
                .nonempty("product")?
                .ok_or_else(|| StripeError::ParameterMissing {
                    param: format!("{base}[product]"),
                })?;
            if st.store.get_kind("product", product).is_none() {
                return Err(StripeError::missing_param(
                    "product",
                    product,
                    format!("{base}[product]"),
                ));
            }
            let prices = pr
                .str_list("prices")?
                .filter(|l| !l.is_empty())
                .ok_or_else(|| StripeError::ParameterMissing {
                    param: format!("{base}[prices]"),
                })?;
            for price in &prices {
                let ok = st
                    .store
                    .get_kind("price", price)
                    .is_some_and(|o| o["product"] == product);
                if !ok {
                    return Err(StripeError::invalid(
                        format!("{base}[prices]"),
                        format!("No such price: '{price}' for product '{product}'."),
                    ));
                }
            }
            out.push(json!({"adjustable_quantity": {"enabled": false, "maximum": null, "minimum": 1}, "prices": prices, "product": product}));
        }
        features["subscription_update"]["products"] = json!(out);
    }
    Ok(())
}

fn business_profile(p: &Params, current: &Value) -> Result<Value, StripeError> {
    p.allow_only_under(
        "business_profile",
        &["headline", "privacy_policy_url", "terms_of_service_url"],
    )?;
    let mut bp = if current.is_object() {
        current.clone()
    } else {
        json!({"headline": null, "privacy_policy_url": null, "terms_of_service_url": null})
    };
    for f in ["headline", "privacy_policy_url", "terms_of_service_url"] {
        if let Some(v) = p.str(&format!("business_profile[{f}]"))? {
            bp[f] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    Ok(bp)
}

fn new_config(st: &AccountState, is_default: bool) -> Value {
    let now = st.now();
    json!({
        "id": new_id("bpc_"),
        "object": "billing_portal.configuration",
        "active": true,
        "application": null,
        "business_profile": {"headline": null, "privacy_policy_url": null, "terms_of_service_url": null},
        "created": now,
        "default_return_url": null,
        "features": default_features(),
        "is_default": is_default,
        "livemode": false,
        "login_page": {"enabled": false, "url": null},
        "metadata": {},
        "name": null,
        "updated": now,
    })
}

fn check_url(param: &str, url: &str) -> Result<(), StripeError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(StripeError::InvalidRequest {
            code: Some("url_invalid"),
            param: Some(param.into()),
            message: format!("Not a valid URL: {param}."),
        })
    }
}

/// `POST /v1/billing_portal/configurations`
pub(crate) fn create_configuration(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(CONFIG_PARAMS)?;
    if p.get("features").is_none() {
        return Err(StripeError::ParameterMissing {
            param: "features".into(),
        });
    }
    let mut st = c.account.lock();
    let is_default = !st
        .store
        .ids_of("billing_portal.configuration")
        .any(|_| true);
    let mut cfg = new_config(&st, is_default);
    apply_common(&st, p, &mut cfg)?;
    st.store.put(cfg.clone());
    st.emit(
        &c.request,
        "billing_portal.configuration.created",
        cfg.clone(),
        None,
    );
    Ok(cfg)
}

fn apply_common(st: &AccountState, p: &Params, cfg: &mut Value) -> Result<(), StripeError> {
    cfg["business_profile"] = business_profile(p, &cfg["business_profile"])?;
    if let Some(u) = p.str("default_return_url")? {
        if u.is_empty() {
            cfg["default_return_url"] = Value::Null;
        } else {
            check_url("default_return_url", u)?;
            cfg["default_return_url"] = json!(u);
        }
    }
    p.allow_only_under("login_page", &["enabled"])?;
    if let Some(b) = p.bool("login_page[enabled]")? {
        cfg["login_page"]["enabled"] = json!(b);
    }
    if let Some(n) = p.str("name")? {
        cfg["name"] = if n.is_empty() { Value::Null } else { json!(n) };
    }
    if let Some(m) = p.metadata("metadata", &cfg["metadata"])? {
        cfg["metadata"] = m;
    }
    if let Some(a) = p.bool("active")? {
        cfg["active"] = json!(a);
    }
    let mut features = cfg["features"].clone();
    apply_features(st, p, &mut features)?;
    cfg["features"] = features;
    Ok(())
}

/// `GET /v1/billing_portal/configurations/{id}`
pub(crate) fn retrieve_configuration(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "billing_portal.configuration")
}

/// `POST /v1/billing_portal/configurations/{id}` → `billing_portal.configuration.updated`
pub(crate) fn update_configuration(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(CONFIG_PARAMS)?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("billing_portal.configuration", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("billing_portal.configuration", c.id()))?;
    let mut new = old.clone();
    apply_common(&st, p, &mut new)?;
    if new != old {
        new["updated"] = json!(st.now());
        let prev = previous_attributes(&old, &new);
        st.store.put(new.clone());
        st.emit(
            &c.request,
            "billing_portal.configuration.updated",
            new.clone(),
            Some(prev),
        );
    }
    Ok(new)
}

/// `GET /v1/billing_portal/configurations` (filters: `active`, `is_default`)
pub(crate) fn list_configurations(c: &Call) -> Result<Value, StripeError> {
    for f in ["active", "is_default"] {
        c.params.bool(f)?;
    }
    list_kind(
        c,
        "billing_portal.configuration",
        "/v1/billing_portal/configurations",
        &[("active", "active"), ("is_default", "is_default")],
    )
}

/// The account's default configuration, created on first use (cancel at period end,
/// invoice history, payment method update, customer update of e-mail and address on).
pub(crate) fn default_configuration(st: &mut AccountState) -> Value {
    let existing = st
        .store
        .ids_of("billing_portal.configuration")
        .filter_map(|id| st.store.get(id))
        .find(|o| o["is_default"] == true)
        .cloned();
    if let Some(cfg) = existing {
        return cfg;
    }
    let mut cfg = new_config(st, true);
    for f in [
        "customer_update",
        "invoice_history",
        "payment_method_update",
        "subscription_cancel",
    ] {
        cfg["features"][f]["enabled"] = json!(true);
    }
    cfg["features"]["customer_update"]["allowed_updates"] = json!(["email", "address"]);
    st.store.put(cfg.clone());
    cfg
}

/// `POST /v1/billing_portal/sessions` `{customer, return_url?, configuration?, locale?}`
pub(crate) fn create_session(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(&[
        "customer",
        "return_url",
        "configuration",
        "locale",
        "on_behalf_of",
        "flow_data",
    ])?;
    let customer = p.required("customer")?;
    let return_url = p.nonempty("return_url")?;
    if let Some(u) = return_url {
        check_url("return_url", u)?;
    }
    let mut st = c.account.lock();
    if st
        .store
        .get_kind("customer", customer)
        .is_none_or(|o| o["deleted"] == true)
    {
        return Err(StripeError::missing_param("customer", customer, "customer"));
    }
    let cfg = match p.nonempty("configuration")? {
        Some(id) => {
            let cfg = st
                .store
                .get_kind("billing_portal.configuration", id)
                .cloned()
                .ok_or_else(|| {
                    StripeError::missing_param("billing_portal.configuration", id, "configuration")
                })?;
            if cfg["active"] != true {
                return Err(StripeError::invalid(
                    "configuration",
                    format!("The configuration {id} is not active."),
                ));
            }
            cfg
        }
        None => default_configuration(&mut st),
    };
    let return_url = return_url
        .map(str::to_string)
        .or_else(|| cfg["default_return_url"].as_str().map(str::to_string));
    if return_url.is_none() {
        return Err(StripeError::ParameterMissing {
            param: "return_url".into(),
        });
    }
    let id = new_id("bps_");
    let session = json!({
        "id": id,
        "object": "billing_portal.session",
        "configuration": cfg["id"],
        "created": st.now(),
        "customer": customer,
        "customer_account": null,
        "flow": null,
        "livemode": false,
        "locale": p.nonempty("locale")?,
        "on_behalf_of": null,
        "return_url": return_url,
        "url": format!("{}/p/session/{id}", c.app.base_url),
    });
    st.store.put(session.clone());
    st.emit(
        &c.request,
        "billing_portal.session.created",
        session.clone(),
        None,
    );
    drop(st);
    c.app.index_session(&id, c.account.clone());
    Ok(session)
}
