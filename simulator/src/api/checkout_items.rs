//! The `line_items` of `POST /v1/checkout/sessions`: each a `price` id or inline
//! `price_data` (a new price, and a new product from `product_data`), with a `quantity`.
//! Checked here against the session's mode; the inline prices are made only once the whole
//! request is valid ([`materialize`]).

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest, SessionItem};
use crate::engine::catalog;
use crate::error::StripeError;
use crate::params::Params;

/// Where a line item's price comes from.
#[derive(Debug, Clone)]
enum Source {
    /// An existing price.
    Price(String),
    /// `price_data`, checked: made into a price by [`materialize`].
    Data(PriceData),
}

#[derive(Debug, Clone)]
struct PriceData {
    currency: String,
    product: Option<String>,
    product_name: Option<String>,
    product_description: Option<String>,
    product_metadata: Value,
    unit_amount: i64,
    recurring: Value,
    tax_behavior: String,
}

/// A checked line item.
#[derive(Debug, Clone)]
pub(crate) struct LineItem {
    source: Source,
    quantity: i64,
}

/// The checked line items, their currency and their total.
#[derive(Debug, Clone)]
pub(crate) struct LineItems {
    items: Vec<LineItem>,
    /// The prices' currency.
    pub(crate) currency: Option<String>,
    /// Sum of unit amount × quantity.
    pub(crate) total: i64,
}

fn quantity(p: &Params, i: usize) -> Result<i64, StripeError> {
    let param = format!("line_items[{i}][quantity]");
    match p
        .int(&param)
        .map_err(|_| StripeError::invalid(param.clone(), "Invalid integer for quantity."))?
    {
        None => Ok(1),
        Some(q) if (1..=999_999).contains(&q) => Ok(q),
        Some(_) => Err(StripeError::invalid(
            param,
            "Quantity must be a positive integer.",
        )),
    }
}

fn price_data(st: &AccountState, p: &Params, i: usize) -> Result<PriceData, StripeError> {
    let base = format!("line_items[{i}][price_data]");
    p.allow_only_under(
        &base,
        &[
            "currency",
            "product",
            "product_data",
            "unit_amount",
            "recurring",
            "tax_behavior",
        ],
    )?;
    let currency = p
        .required(&format!("{base}[currency]"))?
        .to_ascii_lowercase();
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(StripeError::invalid(
            format!("{base}[currency]"),
            format!("Invalid currency: {currency}."),
        ));
    }
    let unit_amount =
        p.int(&format!("{base}[unit_amount]"))?
            .ok_or_else(|| StripeError::ParameterMissing {
                param: format!("{base}[unit_amount]"),
            })?;
    if !(0..=99_999_999).contains(&unit_amount) {
        return Err(StripeError::invalid(
            format!("{base}[unit_amount]"),
            "unit_amount must be between 0 and 99999999.",
        ));
    }
    let (product, product_name, product_description, product_metadata) = match (
        p.nonempty(&format!("{base}[product]"))?,
        p.get(&format!("{base}[product_data]")),
    ) {
        (Some(_), Some(_)) => {
            return Err(StripeError::invalid(
                format!("{base}[product_data]"),
                "You may only specify one of these parameters: product, product_data.",
            ));
        }
        (Some(id), None) => {
            if st.store.get_kind("product", id).is_none() {
                return Err(StripeError::missing_param(
                    "product",
                    id,
                    format!("{base}[product]"),
                ));
            }
            (Some(id.to_string()), None, None, json!({}))
        }
        (None, Some(_)) => {
            let pd = format!("{base}[product_data]");
            p.allow_only_under(&pd, &["name", "description", "metadata"])?;
            let name = p.required(&format!("{pd}[name]"))?.to_string();
            let description = p
                .nonempty(&format!("{pd}[description]"))?
                .map(str::to_string);
            let metadata = p
                .metadata(&format!("{pd}[metadata]"), &json!({}))?
                .unwrap_or(json!({}));
            (None, Some(name), description, metadata)
        }
        (None, None) => {
            return Err(StripeError::ParameterMissing {
                param: format!("{base}[product]"),
            });
        }
    };
    let recurring = if p.get(&format!("{base}[recurring]")).is_some() {
        let r = format!("{base}[recurring]");
        p.allow_only_under(&r, &["interval", "interval_count"])?;
        let interval = p.required(&format!("{r}[interval]"))?;
        if !["day", "week", "month", "year"].contains(&interval) {
            return Err(StripeError::invalid(
                format!("{r}[interval]"),
                "Invalid interval: must be one of day, week, month or year.",
            ));
        }
        let count = p.int(&format!("{r}[interval_count]"))?.unwrap_or(1);
        if count < 1 {
            return Err(StripeError::invalid(
                format!("{r}[interval_count]"),
                "interval_count must be a positive integer.",
            ));
        }
        json!({"interval": interval, "interval_count": count, "meter": null,
               "trial_period_days": null, "usage_type": "licensed"})
    } else {
        Value::Null
    };
    let tax_behavior = match p.nonempty(&format!("{base}[tax_behavior]"))? {
        None => "unspecified",
        Some(t @ ("exclusive" | "inclusive" | "unspecified")) => t,
        Some(_) => {
            return Err(StripeError::invalid(
                format!("{base}[tax_behavior]"),
                "Invalid tax_behavior: must be one of exclusive, inclusive or unspecified.",
            ));
        }
    };
    Ok(PriceData {
        currency,
        product,
        product_name,
        product_description,
        product_metadata,
        unit_amount,
        recurring,
        tax_behavior: tax_behavior.to_string(),
    })
}

/// Reads and checks `line_items` for a session in `mode`: subscription mode needs
/// recurring prices only, payment mode one-time prices only; all in one currency.
pub(crate) fn parse(st: &AccountState, p: &Params, mode: &str) -> Result<LineItems, StripeError> {
    let raw = p
        .obj_list("line_items")?
        .filter(|l| !l.is_empty())
        .ok_or_else(|| StripeError::ParameterMissing {
            param: "line_items".into(),
        })?;
    let mut out = LineItems {
        items: Vec::new(),
        currency: None,
        total: 0,
    };
    for (i, li) in raw.iter().enumerate() {
        if let Value::Object(m) = &li.0 {
            for k in m.keys() {
                if !["price", "price_data", "quantity", "adjustable_quantity"].contains(&k.as_str())
                {
                    return Err(StripeError::ParameterUnknown {
                        param: format!("line_items[{i}][{k}]"),
                    });
                }
            }
        }
        let param = format!("line_items[{i}][price]");
        let (source, currency, unit_amount, recurring) =
            match (li.nonempty("price")?, li.get("price_data")) {
                (Some(_), Some(_)) => {
                    return Err(StripeError::invalid(
                        format!("line_items[{i}][price_data]"),
                        "You may only specify one of these parameters: price, price_data.",
                    ));
                }
                (Some(id), None) => {
                    let price = st
                        .store
                        .get_kind("price", id)
                        .ok_or_else(|| StripeError::missing_param("price", id, param.clone()))?;
                    if price["active"] != true {
                        return Err(StripeError::invalid(
                            param,
                            format!("The price `{id}` is not active."),
                        ));
                    }
                    (
                        Source::Price(id.to_string()),
                        price["currency"].as_str().unwrap_or("usd").to_string(),
                        price["unit_amount"].as_i64().unwrap_or(0),
                        price["type"] == "recurring",
                    )
                }
                (None, Some(_)) => {
                    let d = price_data(st, p, i)?;
                    let (cur, amount, rec) =
                        (d.currency.clone(), d.unit_amount, !d.recurring.is_null());
                    (Source::Data(d), cur, amount, rec)
                }
                (None, None) => return Err(StripeError::ParameterMissing { param }),
            };
        if mode == "subscription" && !recurring {
            return Err(StripeError::invalid(
                param,
                "You must provide at least one recurring price in `subscription` mode when using prices.",
            ));
        }
        // Guess (docs/guesses.md): Stripe's message, the `param` as seen for the line item.
        if mode == "payment" && recurring {
            return Err(StripeError::invalid(
                format!("line_items[{i}]"),
                "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
            ));
        }
        if out.currency.as_ref().is_some_and(|c0| *c0 != currency) {
            return Err(StripeError::invalid(
                param,
                "All prices must have the same currency.",
            ));
        }
        out.currency = Some(currency);
        let quantity = quantity(p, i)?;
        out.total += unit_amount * quantity;
        out.items.push(LineItem { source, quantity });
    }
    Ok(out)
}

/// Makes the inline prices (and products) of `items` (→ `product.created`,
/// `price.created`; the price is inactive — a guess, see `docs/guesses.md`) and returns the
/// session's line items.
pub(crate) fn materialize(
    st: &mut AccountState,
    req: &EventRequest,
    items: LineItems,
) -> Result<Vec<SessionItem>, StripeError> {
    let mut out = Vec::new();
    for it in items.items {
        let price = match it.source {
            Source::Price(id) => id,
            Source::Data(d) => {
                let product = match (d.product, d.product_name) {
                    (Some(id), _) => id,
                    (None, name) => {
                        let name = name.unwrap_or_default();
                        let prod = catalog::create_product(
                            st,
                            req,
                            catalog::NewProduct {
                                metadata: d.product_metadata,
                                description: d.product_description.as_deref(),
                                ..catalog::NewProduct::named(&name)
                            },
                        );
                        prod["id"].as_str().unwrap_or_default().to_string()
                    }
                };
                let price = catalog::create_price(
                    st,
                    req,
                    catalog::NewPrice {
                        product: &product,
                        currency: &d.currency,
                        unit_amount: d.unit_amount,
                        recurring: d.recurring,
                        metadata: json!({}),
                        lookup_key: None,
                        transfer_lookup_key: false,
                        active: false,
                        nickname: None,
                        tax_behavior: &d.tax_behavior,
                    },
                )?;
                price["id"].as_str().unwrap_or_default().to_string()
            }
        };
        out.push(SessionItem {
            price,
            quantity: it.quantity,
        });
    }
    Ok(out)
}
