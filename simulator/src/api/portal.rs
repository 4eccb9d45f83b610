//! `/v1/billing_portal/configurations` (create, retrieve, update, list) and
//! `/v1/billing_portal/sessions` (create). A session's `url` is
//! `{base_url}/p/session/{bps_id}`; the session id is indexed in `App` like a Checkout
//! Session so the hosted portal page (see `hosted/`) finds its account without a key.
//! The page reads the session (`customer`, `return_url`, `configuration`) and the
//! configuration's `features` from the account store.

use serde_json::{Value, json};

use crate::account::AccountState;
use crate::api::{list_kind, retrieve_kind};
use crate::engine::portal_config;
use crate::error::StripeError;
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
    let mut cfg = portal_config::new_configuration(&st);
    apply_common(&st, p, &mut cfg)?;
    portal_config::create_configuration(&mut st, &c.request, &cfg);
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
    Ok(portal_config::update_configuration(
        &mut st, &c.request, &old, new,
    ))
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
        None => portal_config::default_configuration(&mut st),
    };
    let return_url = return_url
        .map(str::to_string)
        .or_else(|| cfg["default_return_url"].as_str().map(str::to_string));
    if return_url.is_none() {
        return Err(StripeError::ParameterMissing {
            param: "return_url".into(),
        });
    }
    let session = portal_config::create_session(
        &mut st,
        &c.request,
        &portal_config::NewSession {
            customer,
            configuration: &cfg,
            return_url: return_url.as_deref(),
            locale: p.nonempty("locale")?,
            base_url: &c.app.base_url,
        },
    );
    let id = session["id"].as_str().unwrap_or_default().to_string();
    drop(st);
    c.app.index_session(&id, c.account.clone());
    Ok(session)
}
