//! `/v1/prices`: create (one-time or recurring, `lookup_key`), retrieve, update, list.

use serde_json::{Value, json};

use crate::api::{field_matches, list_kind, previous_attributes, retrieve_kind};
use crate::error::StripeError;
use crate::ids::new_id;
use crate::pipeline::Call;
use crate::store::{LIST_PARAMS, ListParams};
use crate::time::clock::Interval;

const CREATE_PARAMS: &[&str] = &[
    "currency",
    "unit_amount",
    "unit_amount_decimal",
    "product",
    "product_data",
    "recurring",
    "lookup_key",
    "transfer_lookup_key",
    "nickname",
    "metadata",
    "active",
    "tax_behavior",
    "billing_scheme",
];
const UPDATE_PARAMS: &[&str] = &[
    "active",
    "nickname",
    "metadata",
    "lookup_key",
    "transfer_lookup_key",
    "tax_behavior",
];

fn check_currency(c: &str) -> Result<String, StripeError> {
    let lc = c.to_ascii_lowercase();
    if lc.len() == 3 && lc.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(lc)
    } else {
        Err(StripeError::invalid(
            "currency",
            format!("Invalid currency: {c}."),
        ))
    }
}

/// Frees `key` from other prices when `transfer` is set, or refuses a duplicate.
fn claim_lookup_key(
    st: &mut crate::account::AccountState,
    key: &str,
    transfer: bool,
    own_id: &str,
) -> Result<(), StripeError> {
    let holders: Vec<String> = st
        .store
        .ids_of("price")
        .filter(|id| *id != own_id)
        .filter(|id| {
            st.store
                .get(id)
                .is_some_and(|p| p["lookup_key"] == key && p["active"] == true)
        })
        .cloned()
        .collect();
    if let Some(holder) = holders.first() {
        if !transfer {
            return Err(StripeError::invalid(
                "lookup_key",
                format!("A price (`{holder}`) already uses that lookup key."),
            ));
        }
        for id in holders {
            if let Some(p) = st.store.get_kind_mut("price", &id) {
                p["lookup_key"] = Value::Null;
            }
        }
    }
    Ok(())
}

/// `POST /v1/prices`
pub fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(CREATE_PARAMS)?;
    p.allow_only_under(
        "recurring",
        &[
            "interval",
            "interval_count",
            "usage_type",
            "trial_period_days",
        ],
    )?;
    p.allow_only_under(
        "product_data",
        &[
            "name",
            "active",
            "metadata",
            "statement_descriptor",
            "unit_label",
            "tax_code",
        ],
    )?;
    let currency = check_currency(p.required("currency")?)?;
    let unit_amount = match p.int("unit_amount")? {
        Some(a) if a >= 0 => a,
        Some(_) => {
            return Err(StripeError::invalid(
                "unit_amount",
                "This value must be greater than or equal to 0.",
            ));
        }
        None => match p.nonempty("unit_amount_decimal")? {
            Some(d) => d
                .split('.')
                .next()
                .and_then(|i| i.parse::<i64>().ok())
                .ok_or_else(|| {
                    StripeError::invalid("unit_amount_decimal", format!("Invalid decimal: {d}"))
                })?,
            None => {
                return Err(StripeError::ParameterMissing {
                    param: "unit_amount".into(),
                });
            }
        },
    };
    let recurring = match p.get("recurring") {
        None => Value::Null,
        Some(_) => {
            let interval = p.required("recurring[interval]")?;
            if Interval::parse(interval).is_none() {
                return Err(StripeError::invalid(
                    "recurring[interval]",
                    format!(
                        "Invalid recurring[interval]: must be one of day, week, month, or year (got {interval})."
                    ),
                ));
            }
            let count = p.int("recurring[interval_count]")?.unwrap_or(1);
            if !(1..=365).contains(&count) {
                return Err(StripeError::invalid(
                    "recurring[interval_count]",
                    "recurring[interval_count] must be a positive integer.",
                ));
            }
            json!({
                "interval": interval,
                "interval_count": count,
                "meter": null,
                "trial_period_days": p.int("recurring[trial_period_days]")?,
                "usage_type": p.nonempty("recurring[usage_type]")?.unwrap_or("licensed"),
            })
        }
    };
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let lookup_key = p.nonempty("lookup_key")?;
    let transfer = p.bool("transfer_lookup_key")?.unwrap_or(false);
    let mut st = c.account.lock();
    let product_id = match (p.nonempty("product")?, p.get("product_data")) {
        (Some(id), _) => {
            if st.store.get_kind("product", id).is_none() {
                return Err(StripeError::missing_param("product", id, "product"));
            }
            id.to_string()
        }
        (None, Some(_)) => {
            let name = p.required("product_data[name]")?;
            let now = st.now();
            let prod = json!({
                "id": new_id("prod_"), "object": "product", "active": true, "created": now,
                "default_price": null, "description": null, "images": [], "livemode": false,
                "marketing_features": [],
                "metadata": p.metadata("product_data[metadata]", &json!({}))?.unwrap_or(json!({})),
                "name": name, "package_dimensions": null, "shippable": null,
                "statement_descriptor": null, "tax_code": null, "type": "service",
                "unit_label": null, "updated": now, "url": null,
            });
            st.store.put(prod.clone());
            st.emit(&c.request, "product.created", prod.clone(), None);
            prod["id"].as_str().unwrap_or_default().to_string()
        }
        (None, None) => {
            return Err(StripeError::ParameterMissing {
                param: "product".into(),
            });
        }
    };
    let id = new_id("price_");
    if let Some(k) = lookup_key {
        claim_lookup_key(&mut st, k, transfer, &id)?;
    }
    let obj = json!({
        "id": id,
        "object": "price",
        "active": p.bool("active")?.unwrap_or(true),
        "billing_scheme": "per_unit",
        "created": st.now(),
        "currency": currency,
        "custom_unit_amount": null,
        "livemode": false,
        "lookup_key": lookup_key,
        "metadata": metadata,
        "nickname": p.nonempty("nickname")?,
        "product": product_id,
        "recurring": recurring,
        "tax_behavior": p.nonempty("tax_behavior")?.unwrap_or("unspecified"),
        "tiers_mode": null,
        "transform_quantity": null,
        "type": if recurring.is_null() { "one_time" } else { "recurring" },
        "unit_amount": unit_amount,
        "unit_amount_decimal": unit_amount.to_string(),
    });
    st.store.put(obj.clone());
    st.emit(&c.request, "price.created", obj.clone(), None);
    Ok(obj)
}

/// `GET /v1/prices/{id}`
pub fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "price")
}

/// `POST /v1/prices/{id}`
pub fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(UPDATE_PARAMS)?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("price", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("price", c.id()))?;
    let mut new = old.clone();
    if let Some(v) = p.bool("active")? {
        new["active"] = json!(v);
    }
    if let Some(v) = p.str("nickname")? {
        new["nickname"] = if v.is_empty() { Value::Null } else { json!(v) };
    }
    if let Some(v) = p.str("lookup_key")? {
        if v.is_empty() {
            new["lookup_key"] = Value::Null;
        } else {
            claim_lookup_key(
                &mut st,
                v,
                p.bool("transfer_lookup_key")?.unwrap_or(false),
                c.id(),
            )?;
            new["lookup_key"] = json!(v);
        }
    }
    if let Some(v) = p.nonempty("tax_behavior")? {
        new["tax_behavior"] = json!(v);
    }
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    if new != old {
        let prev = previous_attributes(&old, &new);
        st.store.put(new.clone());
        st.emit(&c.request, "price.updated", new.clone(), Some(prev));
    }
    Ok(new)
}

/// `GET /v1/prices` (filters: `active`, `product`, `type`, `currency`, `lookup_keys[]`,
/// `recurring[interval]`)
pub fn list(c: &Call) -> Result<Value, StripeError> {
    if c.params.get("lookup_keys").is_none() && c.params.get("recurring").is_none() {
        return list_kind(
            c,
            "price",
            "/v1/prices",
            &[
                ("active", "active"),
                ("product", "product"),
                ("type", "type"),
                ("currency", "currency"),
            ],
        );
    }
    let p = &c.params;
    let mut allowed = LIST_PARAMS.to_vec();
    allowed.extend([
        "active",
        "product",
        "type",
        "currency",
        "lookup_keys",
        "recurring",
    ]);
    p.allow_only(&allowed)?;
    let lp = ListParams::from_params(p)?;
    let keys = p.str_list("lookup_keys")?;
    let interval = p.nonempty("recurring[interval]")?.map(str::to_string);
    let mut eq: Vec<(&str, String)> = Vec::new();
    for f in ["active", "product", "type", "currency"] {
        if let Some(v) = p.nonempty(f)? {
            eq.push((f, v.to_string()));
        }
    }
    let st = c.account.lock();
    st.store.list("price", "/v1/prices", &lp, |o| {
        eq.iter().all(|(f, v)| field_matches(o, f, v))
            && keys
                .as_ref()
                .is_none_or(|ks| ks.iter().any(|k| o["lookup_key"] == k.as_str()))
            && interval
                .as_ref()
                .is_none_or(|i| o["recurring"]["interval"] == i.as_str())
    })
}
