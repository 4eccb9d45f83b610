//! A new customer's object, written as JSON text straight from its fields.
//!
//! `POST /v1/customers` answers the object it stores and announces, so its text is all it
//! needs: [`Draft`] serializes the fields in the order a `serde_json::Value` map renders
//! them (its keys sorted), which makes the text byte for byte what building the `Value`
//! and serializing it would give, without the 25-key tree being built, cloned and freed.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{Value, json};

use crate::ids::{new_id, random_base62};

/// What a new customer is made of (checked by the caller).
#[derive(Debug)]
pub(crate) struct NewCustomer<'a> {
    /// `email`
    pub(crate) email: Option<&'a str>,
    /// `name`
    pub(crate) name: Option<&'a str>,
    /// `description`
    pub(crate) description: Option<&'a str>,
    /// `phone`
    pub(crate) phone: Option<&'a str>,
    /// `metadata`, already a JSON object.
    pub(crate) metadata: Value,
    /// Fields that override the defaults (a JSON object, e.g. from
    /// `api::customer_details::apply`); its `invoice_settings` is merged key by key.
    pub(crate) details: Value,
    /// `(test clock id, its frozen_time)`: the customer is on that clock and `created` is
    /// the clock's time.
    pub(crate) clock: Option<(&'a str, i64)>,
}

/// A customer just stored and announced.
#[derive(Debug)]
pub(crate) struct Created {
    /// `cus_…`
    pub(crate) id: String,
    /// The object's JSON, as stored and as sent in `customer.created`.
    pub(crate) text: Arc<str>,
}

/// `invoice_settings` of a new customer.
#[derive(Debug, Serialize)]
struct InvoiceSettings {
    custom_fields: Value,
    default_payment_method: Value,
    footer: Value,
    rendering_options: Value,
}

/// A new customer's fields in key order (the order of a `Value` map: sorted). Fields absent
/// from a customer until given (`business_name`, `individual_name`) are skipped while
/// `None`.
#[derive(Debug, Serialize)]
pub(super) struct Draft<'a> {
    address: Value,
    balance: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_name: Option<Value>,
    created: i64,
    currency: (),
    default_source: Value,
    delinquent: bool,
    description: Option<&'a str>,
    discount: (),
    email: Option<&'a str>,
    pub(super) id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    individual_name: Option<Value>,
    invoice_prefix: Value,
    invoice_settings: InvoiceSettings,
    livemode: bool,
    metadata: Value,
    name: Option<&'a str>,
    next_invoice_sequence: Value,
    object: &'static str,
    phone: Option<&'a str>,
    preferred_locales: [(); 0],
    shipping: Value,
    tax_exempt: Value,
    test_clock: Option<&'a str>,
    /// Details with no field here: set on the `Value` as given (see [`Draft::into_value`]).
    #[serde(skip)]
    other: Vec<(String, Value)>,
    /// Applied after `other`, as the clock always wins.
    #[serde(skip)]
    clock: Option<(&'a str, i64)>,
}

impl<'a> Draft<'a> {
    /// A new customer (a fresh id and invoice prefix) created at `now`, or at its clock's
    /// time.
    pub(super) fn new(now: i64, new: NewCustomer<'a>) -> Draft<'a> {
        let mut d = Draft {
            address: Value::Null,
            balance: json!(0),
            business_name: None,
            created: now,
            currency: (),
            default_source: Value::Null,
            delinquent: false,
            description: new.description,
            discount: (),
            email: new.email,
            id: new_id("cus_"),
            individual_name: None,
            invoice_prefix: Value::String(random_base62(8).to_ascii_uppercase()),
            invoice_settings: InvoiceSettings {
                custom_fields: Value::Null,
                default_payment_method: Value::Null,
                footer: Value::Null,
                rendering_options: Value::Null,
            },
            livemode: false,
            metadata: new.metadata,
            name: new.name,
            next_invoice_sequence: json!(1),
            object: "customer",
            phone: new.phone,
            preferred_locales: [],
            shipping: Value::Null,
            tax_exempt: json!("none"),
            test_clock: None,
            other: Vec::new(),
            clock: new.clock,
        };
        if let Value::Object(details) = new.details {
            for (k, v) in details {
                d.set(k, v);
            }
        }
        if let Some((id, t)) = new.clock {
            d.test_clock = Some(id);
            d.created = t;
        }
        d
    }

    /// Sets detail `k` to `v` (an `invoice_settings` object is merged key by key).
    fn set(&mut self, k: String, v: Value) {
        let field = match k.as_str() {
            "address" => &mut self.address,
            "balance" => &mut self.balance,
            "default_source" => &mut self.default_source,
            "invoice_prefix" => &mut self.invoice_prefix,
            "next_invoice_sequence" => &mut self.next_invoice_sequence,
            "shipping" => &mut self.shipping,
            "tax_exempt" => &mut self.tax_exempt,
            "business_name" => {
                self.business_name = Some(v);
                return;
            }
            "individual_name" => {
                self.individual_name = Some(v);
                return;
            }
            "invoice_settings" if v.is_object() => {
                let Value::Object(m) = v else { return };
                for (sk, sv) in m {
                    let s = &mut self.invoice_settings;
                    match sk.as_str() {
                        "custom_fields" => s.custom_fields = sv,
                        "default_payment_method" => s.default_payment_method = sv,
                        "footer" => s.footer = sv,
                        "rendering_options" => s.rendering_options = sv,
                        _ => self.other.push((k.clone(), json!({ sk: sv }))),
                    }
                }
                return;
            }
            _ => {
                self.other.push((k, v));
                return;
            }
        };
        *field = v;
    }

    /// The object's JSON text.
    pub(super) fn text(&self) -> String {
        if self.other.is_empty() {
            serde_json::to_string(self).unwrap_or_default()
        } else {
            serde_json::to_string(&self.value()).unwrap_or_default()
        }
    }

    /// The object as a `Value`.
    pub(super) fn into_value(self) -> Value {
        self.value()
    }

    fn value(&self) -> Value {
        let mut obj = serde_json::to_value(self).unwrap_or_default();
        if self.other.is_empty() {
            return obj;
        }
        for (k, v) in &self.other {
            match v {
                Value::Object(m) if k == "invoice_settings" => {
                    for (sk, sv) in m {
                        obj[k.as_str()][sk] = sv.clone();
                    }
                }
                v => obj[k.as_str()] = v.clone(),
            }
        }
        if let Some((id, t)) = self.clock {
            obj["test_clock"] = json!(id);
            obj["created"] = json!(t);
        }
        obj
    }
}

#[cfg(test)]
mod tests;
