//! The catalog: products and prices — creation, updates (`product.updated`,
//! `price.updated` with `previous_attributes`), deleting a product without prices.

use serde_json::{Value, json};

use crate::account::{AccountState, EventRequest};
use crate::engine::updates;
use crate::error::StripeError;
use crate::ids::new_id;

/// A product to create (parameters already checked).
#[derive(Debug, Clone)]
pub(crate) struct NewProduct<'a> {
    /// `prod_…`, chosen by the caller or fresh.
    pub(crate) id: String,
    /// Product name.
    pub(crate) name: &'a str,
    /// Whether it can be bought.
    pub(crate) active: bool,
    /// Optional fields, shown as given.
    pub(crate) description: Option<&'a str>,
    /// Image URLs.
    pub(crate) images: Vec<String>,
    /// Metadata.
    pub(crate) metadata: Value,
    /// Optional fields, shown as given.
    pub(crate) shippable: Option<bool>,
    /// Optional fields, shown as given.
    pub(crate) statement_descriptor: Option<&'a str>,
    /// Optional fields, shown as given.
    pub(crate) tax_code: Option<&'a str>,
    /// Optional fields, shown as given.
    pub(crate) unit_label: Option<&'a str>,
    /// Optional fields, shown as given.
    pub(crate) url: Option<&'a str>,
}

impl<'a> NewProduct<'a> {
    /// An active product with a fresh id, a name and nothing else.
    pub(crate) fn named(name: &'a str) -> NewProduct<'a> {
        NewProduct {
            id: new_id("prod_"),
            name,
            active: true,
            description: None,
            images: Vec::new(),
            metadata: json!({}),
            shippable: None,
            statement_descriptor: None,
            tax_code: None,
            unit_label: None,
            url: None,
        }
    }
}

/// Stores a product → `product.created`.
pub(crate) fn create_product(
    st: &mut AccountState,
    req: &EventRequest,
    p: NewProduct<'_>,
) -> Value {
    let now = st.now();
    let obj = json!({
        "id": p.id,
        "object": "product",
        "active": p.active,
        "created": now,
        "default_price": null,
        "description": p.description,
        "images": p.images,
        "livemode": false,
        "marketing_features": [],
        "metadata": p.metadata,
        "name": p.name,
        "package_dimensions": null,
        "shippable": p.shippable,
        "statement_descriptor": p.statement_descriptor,
        "tax_code": p.tax_code,
        "tax_details": null,
        "type": "service",
        "unit_label": p.unit_label,
        "updated": now,
        "url": p.url,
    });
    st.store.put(obj.clone());
    st.emit(req, "product.created", obj.clone(), None);
    obj
}

/// A price to create (parameters already checked; `product` exists).
#[derive(Debug, Clone)]
pub(crate) struct NewPrice<'a> {
    /// `prod_…`
    pub(crate) product: &'a str,
    /// Lowercase currency.
    pub(crate) currency: &'a str,
    /// Minor units.
    pub(crate) unit_amount: i64,
    /// Stripe's `recurring` hash, or null for a one-time price.
    pub(crate) recurring: Value,
    /// Metadata.
    pub(crate) metadata: Value,
    /// `lookup_key`, unique per account.
    pub(crate) lookup_key: Option<&'a str>,
    /// Take the lookup key from the price that has it.
    pub(crate) transfer_lookup_key: bool,
    /// Whether it can be bought.
    pub(crate) active: bool,
    /// Optional fields, shown as given.
    pub(crate) nickname: Option<&'a str>,
    /// `tax_behavior`.
    pub(crate) tax_behavior: &'a str,
}

/// Stores a price (claiming its lookup key) → `price.created`.
pub(crate) fn create_price(
    st: &mut AccountState,
    req: &EventRequest,
    p: NewPrice<'_>,
) -> Result<Value, StripeError> {
    let id = new_id("price_");
    if let Some(k) = p.lookup_key {
        claim_lookup_key(st, k, p.transfer_lookup_key, &id)?;
    }
    let kind = if p.recurring.is_null() {
        "one_time"
    } else {
        "recurring"
    };
    let obj = json!({
        "id": id,
        "object": "price",
        "active": p.active,
        "billing_scheme": "per_unit",
        "created": st.now(),
        "currency": p.currency,
        "custom_unit_amount": null,
        "livemode": false,
        "lookup_key": p.lookup_key,
        "metadata": p.metadata,
        "nickname": p.nickname,
        "product": p.product,
        "recurring": p.recurring,
        "tax_behavior": p.tax_behavior,
        "tiers_mode": null,
        "transform_quantity": null,
        "type": kind,
        "unit_amount": p.unit_amount,
        "unit_amount_decimal": p.unit_amount.to_string(),
    });
    st.store.put(obj.clone());
    st.emit(req, "price.created", obj.clone(), None);
    Ok(obj)
}

/// Frees `key` from other prices when `transfer` is set, or refuses a duplicate.
pub(crate) fn claim_lookup_key(
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

/// Records a product update `old` → `new`: `updated` stamped and `product.updated` when
/// something changed, nothing otherwise.
pub(crate) fn update_product(
    st: &mut AccountState,
    req: &EventRequest,
    old: &Value,
    mut new: Value,
) -> Value {
    if new != *old {
        new["updated"] = json!(st.now());
        updates::record(st, req, "product.updated", old, &new);
    }
    new
}

/// Deletes product `old` → `product.deleted` (carrying the product as it was); what
/// remains is a tombstone (`deleted: true`). A product with prices cannot be deleted (a
/// 400, as on Stripe).
pub(crate) fn delete_product(
    st: &mut AccountState,
    req: &EventRequest,
    old: Value,
) -> Result<Value, StripeError> {
    let id = old["id"].as_str().unwrap_or_default().to_string();
    let has_prices = st
        .store
        .ids_of("price")
        .filter_map(|p| st.store.get(p))
        .any(|p| p["product"] == id.as_str());
    if has_prices {
        return Err(StripeError::bad_request(
            "This product cannot be deleted because it has one or more user-created prices.",
        ));
    }
    let tomb = json!({"id": id, "object": "product", "deleted": true});
    st.store.put(tomb.clone());
    st.emit(req, "product.deleted", old, None);
    Ok(tomb)
}

/// Records a price update `old` → `new` (`price.updated`; nothing when unchanged).
pub(crate) fn update_price(
    st: &mut AccountState,
    req: &EventRequest,
    old: &Value,
    new: Value,
) -> Value {
    updates::record(st, req, "price.updated", old, &new);
    new
}
