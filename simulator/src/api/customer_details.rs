//! The customer fields that are stored and shown as given, on create and update: `address`,
//! `shipping`, `balance`, `business_name`, `individual_name`, `invoice_prefix`,
//! `next_invoice_sequence`, `tax_exempt`, and `invoice_settings[custom_fields|footer|
//! rendering_options]`. None of them changes what the simulator charges.

use serde_json::{Map, Value, json};

use crate::error::StripeError;
use crate::params::Params;

/// The top-level parameters this module reads.
pub(crate) const PARAMS: &[&str] = &[
    "address",
    "shipping",
    "balance",
    "business_name",
    "individual_name",
    "invoice_prefix",
    "next_invoice_sequence",
    "tax_exempt",
];
/// The `invoice_settings[…]` keys customers accept.
pub(crate) const INVOICE_SETTINGS: &[&str] = &[
    "default_payment_method",
    "custom_fields",
    "footer",
    "rendering_options",
];
const ADDRESS: &[&str] = &["city", "country", "line1", "line2", "postal_code", "state"];

/// `address`-shaped parameter at `path` merged over `old` (keys not given keep their value;
/// an empty `path=` clears it). `None` when not given. Payment methods' billing addresses
/// use it too.
pub(crate) fn address(p: &Params, path: &str, old: &Value) -> Result<Option<Value>, StripeError> {
    match p.get(path) {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(Some(Value::Null)),
        Some(Value::Object(_)) => {
            p.allow_only_under(path, ADDRESS)?;
            let mut out: Map<String, Value> = ADDRESS
                .iter()
                .map(|k| (k.to_string(), old.get(*k).cloned().unwrap_or(Value::Null)))
                .collect();
            for k in ADDRESS {
                if let Some(v) = p.str(&format!("{path}[{k}]"))? {
                    out.insert(
                        k.to_string(),
                        if v.is_empty() { Value::Null } else { json!(v) },
                    );
                }
            }
            Ok(Some(Value::Object(out)))
        }
        Some(_) => Err(StripeError::invalid(
            path,
            format!("Invalid object: {path} must be a hash."),
        )),
    }
}

fn shipping(p: &Params, old: &Value) -> Result<Option<Value>, StripeError> {
    match p.get("shipping") {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(Some(Value::Null)),
        Some(_) => {
            p.allow_only_under("shipping", &["address", "name", "phone"])?;
            let name = p.required("shipping[name]")?;
            let addr = address(p, "shipping[address]", &old["address"])?.ok_or_else(|| {
                StripeError::ParameterMissing {
                    param: "shipping[address]".into(),
                }
            })?;
            Ok(Some(json!({
                "address": addr,
                "name": name,
                "phone": p.nonempty("shipping[phone]")?,
            })))
        }
    }
}

fn one_of(p: &Params, path: &str, allowed: &[&str]) -> Result<Option<String>, StripeError> {
    match p.nonempty(path)? {
        Some(v) if !allowed.contains(&v) => Err(StripeError::invalid(
            path,
            format!("Invalid {path}: must be one of {}.", allowed.join(", ")),
        )),
        v => Ok(v.map(str::to_string)),
    }
}

fn custom_fields(p: &Params) -> Result<Option<Value>, StripeError> {
    let path = "invoice_settings[custom_fields]";
    if p.get(path).is_some_and(|v| v == "") {
        return Ok(Some(Value::Null));
    }
    let Some(list) = p.obj_list(path)? else {
        return Ok(None);
    };
    if list.len() > 4 {
        return Err(StripeError::invalid(path, "At most 4 custom fields."));
    }
    let mut out = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let name = f
            .required("name")
            .map_err(|_| StripeError::ParameterMissing {
                param: format!("{path}[{i}][name]"),
            })?;
        let value = f
            .required("value")
            .map_err(|_| StripeError::ParameterMissing {
                param: format!("{path}[{i}][value]"),
            })?;
        out.push(json!({"name": name, "value": value}));
    }
    Ok(Some(json!(out)))
}

fn rendering_options(p: &Params) -> Result<Option<Value>, StripeError> {
    let path = "invoice_settings[rendering_options]";
    match p.get(path) {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(Some(Value::Null)),
        Some(_) => {
            p.allow_only_under(path, &["amount_tax_display", "template"])?;
            let display = one_of(
                p,
                &format!("{path}[amount_tax_display]"),
                &["exclude_tax", "include_inclusive_tax"],
            )?;
            Ok(Some(json!({
                "amount_tax_display": display,
                "template": p.nonempty(&format!("{path}[template]"))?,
            })))
        }
    }
}

/// Reads the detail parameters and writes them into `customer` (create: the new object;
/// update: a copy of the stored one). Nothing is written when a parameter is invalid.
pub(crate) fn apply(p: &Params, customer: &mut Value) -> Result<(), StripeError> {
    let mut set: Vec<(&str, Value)> = Vec::new();
    if let Some(a) = address(p, "address", &customer["address"])? {
        set.push(("address", a));
    }
    if let Some(s) = shipping(p, &customer["shipping"])? {
        set.push(("shipping", s));
    }
    if let Some(b) = p.int("balance")? {
        set.push(("balance", json!(b)));
    }
    for field in ["business_name", "individual_name"] {
        if let Some(v) = p.str(field)? {
            if v.chars().count() > 150 {
                return Err(StripeError::invalid(
                    field,
                    format!("{field} must be at most 150 characters."),
                ));
            }
            set.push((field, if v.is_empty() { Value::Null } else { json!(v) }));
        }
    }
    if let Some(prefix) = p.nonempty("invoice_prefix")? {
        let ok = (3..=12).contains(&prefix.len())
            && prefix
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            return Err(StripeError::invalid(
                "invoice_prefix",
                "invoice_prefix must be 3–12 uppercase letters or digits.",
            ));
        }
        set.push(("invoice_prefix", json!(prefix)));
    }
    if let Some(n) = p.int("next_invoice_sequence")? {
        if n < 1 {
            return Err(StripeError::invalid(
                "next_invoice_sequence",
                "next_invoice_sequence must be at least 1.",
            ));
        }
        set.push(("next_invoice_sequence", json!(n)));
    }
    if let Some(t) = one_of(p, "tax_exempt", &["none", "exempt", "reverse"])? {
        set.push(("tax_exempt", json!(t)));
    }
    let custom = custom_fields(p)?;
    let footer = p.str("invoice_settings[footer]")?;
    let rendering = rendering_options(p)?;
    for (k, v) in set {
        customer[k] = v;
    }
    let settings = &mut customer["invoice_settings"];
    if let Some(c) = custom {
        settings["custom_fields"] = c;
    }
    if let Some(f) = footer {
        settings["footer"] = if f.is_empty() { Value::Null } else { json!(f) };
    }
    if let Some(r) = rendering {
        settings["rendering_options"] = r;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params(crate::form::parse(q.as_bytes()).expect("form"))
    }

    fn blank() -> Value {
        json!({"address": null, "shipping": null, "balance": 0, "tax_exempt": "none",
            "invoice_settings": {"custom_fields": null, "footer": null, "rendering_options": null}})
    }

    #[test]
    fn details_are_stored_as_given_and_addresses_merge() {
        let mut c = blank();
        let p = params(
            "address[line1]=1+Main+St&address[country]=US&shipping[name]=Ada&shipping[address][city]=Paris\
             &balance=-500&business_name=Acme&invoice_prefix=ACME1&next_invoice_sequence=7&tax_exempt=exempt\
             &invoice_settings[custom_fields][0][name]=VAT&invoice_settings[custom_fields][0][value]=FR1\
             &invoice_settings[footer]=Thanks&invoice_settings[rendering_options][amount_tax_display]=exclude_tax",
        );
        apply(&p, &mut c).expect("valid");
        assert_eq!(c["address"]["line1"], "1 Main St");
        assert_eq!(c["address"]["city"], Value::Null);
        assert_eq!(c["shipping"]["address"]["city"], "Paris");
        assert_eq!(c["balance"], -500);
        assert_eq!(c["business_name"], "Acme");
        assert_eq!(c["invoice_prefix"], "ACME1");
        assert_eq!(c["next_invoice_sequence"], 7);
        assert_eq!(c["tax_exempt"], "exempt");
        assert_eq!(c["invoice_settings"]["custom_fields"][0]["value"], "FR1");
        assert_eq!(c["invoice_settings"]["footer"], "Thanks");
        assert_eq!(
            c["invoice_settings"]["rendering_options"]["amount_tax_display"],
            "exclude_tax"
        );
        apply(&params("address[city]=Lyon"), &mut c).expect("valid");
        assert_eq!(c["address"]["line1"], "1 Main St", "merged, not replaced");
        assert_eq!(c["address"]["city"], "Lyon");
        apply(&params("address=&invoice_settings[footer]="), &mut c).expect("valid");
        assert_eq!(c["address"], Value::Null);
        assert_eq!(c["invoice_settings"]["footer"], Value::Null);
    }

    #[test]
    fn bad_details_are_refused_and_change_nothing() {
        for (q, param) in [
            ("address[planet]=Mars", "address[planet]"),
            ("shipping[address][line1]=x", "shipping[name]"),
            ("tax_exempt=sometimes", "tax_exempt"),
            ("invoice_prefix=ab", "invoice_prefix"),
            ("next_invoice_sequence=0", "next_invoice_sequence"),
            ("balance=1&address=x", "address"),
        ] {
            let mut c = blank();
            let e = apply(&params(q), &mut c).expect_err(q);
            assert_eq!(e.body()["error"]["param"], param, "{q}");
            assert_eq!(c, blank(), "{q} changed the customer");
        }
    }
}
