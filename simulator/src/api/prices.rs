//! `/v1/prices`: create (one-time or recurring, `lookup_key`), retrieve, update, list.

use serde_json::{Value, json};

use crate::api::{field_matches, list_kind, retrieve_kind};
use crate::engine::catalog;
use crate::error::StripeError;
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

/// `POST /v1/prices`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
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
            let prod = catalog::create_product(
                &mut st,
                &c.request,
                catalog::NewProduct {
                    metadata: p
                        .metadata("product_data[metadata]", &json!({}))?
                        .unwrap_or(json!({})),
                    ..catalog::NewProduct::named(name)
                },
            );
            prod["id"].as_str().unwrap_or_default().to_string()
        }
        (None, None) => {
            return Err(StripeError::ParameterMissing {
                param: "product".into(),
            });
        }
    };
    let obj = catalog::create_price(
        &mut st,
        &c.request,
        catalog::NewPrice {
            product: &product_id,
            currency: &currency,
            unit_amount,
            recurring,
            metadata,
            lookup_key,
            transfer_lookup_key: transfer,
            active: p.bool("active")?.unwrap_or(true),
            nickname: p.nonempty("nickname")?,
            tax_behavior: p.nonempty("tax_behavior")?.unwrap_or("unspecified"),
        },
    )?;
    Ok(obj)
}

/// `GET /v1/prices/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "price")
}

/// `POST /v1/prices/{id}`
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
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
            catalog::claim_lookup_key(
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
    Ok(catalog::update_price(&mut st, &c.request, &old, new))
}

/// `GET /v1/prices` (filters: `active`, `product`, `type`, `currency`, `lookup_keys[]`,
/// `recurring[interval]`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
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
