//! `/v1/products`: create, retrieve, update, list.

use serde_json::{Value, json};

use crate::api::{list_kind, retrieve_kind};
use crate::engine::catalog;
use crate::error::StripeError;
use crate::ids::new_id;
use crate::pipeline::Call;

const CREATE_PARAMS: &[&str] = &[
    "id",
    "name",
    "active",
    "description",
    "metadata",
    "images",
    "url",
    "unit_label",
    "statement_descriptor",
    "tax_code",
    "shippable",
];
const UPDATE_PARAMS: &[&str] = &[
    "name",
    "active",
    "description",
    "metadata",
    "images",
    "url",
    "unit_label",
    "statement_descriptor",
    "tax_code",
    "shippable",
    "default_price",
];

/// `POST /v1/products`
pub(crate) fn create(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(CREATE_PARAMS)?;
    let name = p.required("name")?;
    let metadata = p.metadata("metadata", &json!({}))?.unwrap_or(json!({}));
    let images = p.str_list("images")?.unwrap_or_default();
    let mut st = c.account.lock();
    let id = match p.nonempty("id")? {
        Some(id) if st.store.get(id).is_some() => {
            return Err(StripeError::InvalidRequest {
                code: Some("resource_already_exists"),
                param: Some("id".into()),
                message: format!("Product already exists: '{id}'"),
            });
        }
        Some(id) => id.to_string(),
        None => new_id("prod_"),
    };
    let obj = catalog::create_product(
        &mut st,
        &c.request,
        catalog::NewProduct {
            id,
            name,
            active: p.bool("active")?.unwrap_or(true),
            description: p.nonempty("description")?,
            images,
            metadata,
            shippable: p.bool("shippable")?,
            statement_descriptor: p.nonempty("statement_descriptor")?,
            tax_code: p.nonempty("tax_code")?,
            unit_label: p.nonempty("unit_label")?,
            url: p.nonempty("url")?,
        },
    );
    Ok(obj)
}

/// `GET /v1/products/{id}`
pub(crate) fn retrieve(c: &Call) -> Result<Value, StripeError> {
    retrieve_kind(c, "product")
}

/// `POST /v1/products/{id}`
pub(crate) fn update(c: &Call) -> Result<Value, StripeError> {
    let p = &c.params;
    p.allow_only(UPDATE_PARAMS)?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("product", c.id())
        .cloned()
        .ok_or_else(|| StripeError::missing("product", c.id()))?;
    let mut new = old.clone();
    for field in [
        "name",
        "description",
        "url",
        "unit_label",
        "statement_descriptor",
        "tax_code",
    ] {
        if let Some(v) = p.str(field)? {
            if field == "name" && v.is_empty() {
                return Err(StripeError::invalid(
                    "name",
                    "A product's name cannot be empty.",
                ));
            }
            new[field] = if v.is_empty() { Value::Null } else { json!(v) };
        }
    }
    if let Some(v) = p.bool("active")? {
        new["active"] = json!(v);
    }
    if let Some(v) = p.bool("shippable")? {
        new["shippable"] = json!(v);
    }
    if let Some(v) = p.nonempty("default_price")? {
        if st.store.get_kind("price", v).is_none() {
            return Err(StripeError::missing_param("price", v, "default_price"));
        }
        new["default_price"] = json!(v);
    }
    if let Some(m) = p.metadata("metadata", &old["metadata"])? {
        new["metadata"] = m;
    }
    Ok(catalog::update_product(&mut st, &c.request, &old, new))
}

/// `GET /v1/products` (filters: `active`)
pub(crate) fn list(c: &Call) -> Result<Value, StripeError> {
    list_kind(c, "product", "/v1/products", &[("active", "active")])
}

/// `DELETE /v1/products/{id}`: only a product without prices can be deleted (as on
/// Stripe); retrieving it afterwards answers `deleted: true`.
pub(crate) fn delete(c: &Call) -> Result<Value, StripeError> {
    c.params.allow_only(&[])?;
    let mut st = c.account.lock();
    let old = st
        .store
        .get_kind("product", c.id())
        .filter(|o| o["deleted"] != true)
        .cloned()
        .ok_or_else(|| StripeError::missing("product", c.id()))?;
    catalog::delete_product(&mut st, &c.request, old)
}
