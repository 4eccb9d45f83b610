//! Checkout Session options that are stored and shown as given: `submit_type`,
//! `customer_creation`, `payment_method_collection`, `phone_number_collection`,
//! `tax_id_collection`, `shipping_address_collection`, `custom_text`, `consent_collection`
//! and `currency` (which must be the prices' currency). The hosted page does not act on them
//! (it asks for a card and an e-mail only).

use serde_json::{Value, json};

use crate::error::StripeError;
use crate::params::Params;

/// The top-level parameters this module reads.
pub(crate) const PARAMS: &[&str] = &[
    "submit_type",
    "customer_creation",
    "payment_method_collection",
    "phone_number_collection",
    "tax_id_collection",
    "shipping_address_collection",
    "custom_text",
    "consent_collection",
    "currency",
];
const CUSTOM_TEXT: &[&str] = &[
    "after_submit",
    "shipping_address",
    "submit",
    "terms_of_service_acceptance",
];

fn one_of(p: &Params, path: &str, allowed: &[&str]) -> Result<Option<Value>, StripeError> {
    match p.nonempty(path)? {
        Some(v) if !allowed.contains(&v) => Err(StripeError::invalid(
            path,
            format!("Invalid {path}: must be one of {}.", allowed.join(", ")),
        )),
        v => Ok(v.map(|v| json!(v))),
    }
}

fn custom_text(p: &Params) -> Result<Option<Value>, StripeError> {
    if p.get("custom_text").is_none() {
        return Ok(None);
    }
    p.allow_only_under("custom_text", CUSTOM_TEXT)?;
    let mut out = json!({});
    for key in CUSTOM_TEXT {
        let path = format!("custom_text[{key}]");
        out[*key] = match p.get(&path) {
            None | Some(Value::Null) => Value::Null,
            Some(Value::String(s)) if s.is_empty() => Value::Null,
            Some(_) => {
                p.allow_only_under(&path, &["message"])?;
                let message = p.required(&format!("{path}[message]"))?;
                if message.chars().count() > 1200 {
                    return Err(StripeError::invalid(
                        format!("{path}[message]"),
                        "Custom text may be at most 1200 characters.",
                    ));
                }
                json!({"message": message})
            }
        };
    }
    Ok(Some(out))
}

fn consent_collection(p: &Params) -> Result<Option<Value>, StripeError> {
    if p.get("consent_collection").is_none() {
        return Ok(None);
    }
    p.allow_only_under(
        "consent_collection",
        &[
            "payment_method_reuse_agreement",
            "promotions",
            "terms_of_service",
        ],
    )?;
    let reuse = match p.get("consent_collection[payment_method_reuse_agreement]") {
        None => Value::Null,
        Some(_) => {
            let path = "consent_collection[payment_method_reuse_agreement]";
            p.allow_only_under(path, &["position"])?;
            let position = one_of(p, &format!("{path}[position]"), &["auto", "hidden"])?
                .ok_or_else(|| StripeError::ParameterMissing {
                    param: format!("{path}[position]"),
                })?;
            json!({"position": position})
        }
    };
    Ok(Some(json!({
        "payment_method_reuse_agreement": reuse,
        "promotions": one_of(p, "consent_collection[promotions]", &["auto", "none"])?,
        "terms_of_service": one_of(p, "consent_collection[terms_of_service]", &["none", "required"])?,
    })))
}

/// Reads the options and writes those given into `obj` (which holds the prices' `currency`);
/// the session's defaults are in `engine::checkout`.
pub(crate) fn apply(p: &Params, obj: &mut Value) -> Result<(), StripeError> {
    let mut set: Vec<(&str, Value)> = Vec::new();
    let choices: [(&str, &[&str]); 3] = [
        (
            "submit_type",
            &["auto", "book", "donate", "pay", "subscribe"],
        ),
        ("customer_creation", &["always", "if_required"]),
        ("payment_method_collection", &["always", "if_required"]),
    ];
    for (name, allowed) in choices {
        if let Some(v) = one_of(p, name, allowed)? {
            set.push((name, v));
        }
    }
    if p.get("phone_number_collection").is_some() {
        p.allow_only_under("phone_number_collection", &["enabled"])?;
        let enabled = p.bool("phone_number_collection[enabled]")?.unwrap_or(false);
        set.push(("phone_number_collection", json!({"enabled": enabled})));
    }
    if p.get("tax_id_collection").is_some() {
        p.allow_only_under("tax_id_collection", &["enabled", "required"])?;
        let enabled = p.bool("tax_id_collection[enabled]")?.unwrap_or(false);
        let required = one_of(p, "tax_id_collection[required]", &["if_supported", "never"])?
            .unwrap_or(json!("never"));
        set.push((
            "tax_id_collection",
            json!({"enabled": enabled, "required": required}),
        ));
    }
    if p.get("shipping_address_collection").is_some() {
        p.allow_only_under("shipping_address_collection", &["allowed_countries"])?;
        let countries = p
            .str_list("shipping_address_collection[allowed_countries]")?
            .filter(|c| !c.is_empty())
            .ok_or_else(|| StripeError::ParameterMissing {
                param: "shipping_address_collection[allowed_countries]".into(),
            })?;
        if let Some(bad) = countries
            .iter()
            .find(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(StripeError::invalid(
                "shipping_address_collection[allowed_countries]",
                format!("Invalid country code: {bad}."),
            ));
        }
        set.push((
            "shipping_address_collection",
            json!({"allowed_countries": countries}),
        ));
    }
    if let Some(t) = custom_text(p)? {
        set.push(("custom_text", t));
    }
    if let Some(c) = consent_collection(p)? {
        set.push(("consent_collection", c));
    }
    if let Some(cur) = p.nonempty("currency")? {
        let cur = cur.to_ascii_lowercase();
        if obj["currency"] != cur.as_str() {
            return Err(StripeError::invalid(
                "currency",
                format!(
                    "currency must be the currency of the prices ({}).",
                    obj["currency"].as_str().unwrap_or("none")
                ),
            ));
        }
    }
    for (k, v) in set {
        obj[k] = v;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> Params {
        Params(crate::form::parse(q.as_bytes()).expect("form"))
    }

    #[test]
    fn options_are_shown_as_given() {
        let mut s = json!({"currency": "usd", "submit_type": null});
        apply(&params(""), &mut s).expect("valid");
        assert_eq!(s, json!({"currency": "usd", "submit_type": null}));
        let q = "submit_type=subscribe&phone_number_collection[enabled]=true\
                 &shipping_address_collection[allowed_countries][]=FR&custom_text[submit][message]=Hi\
                 &consent_collection[terms_of_service]=required&currency=USD";
        apply(&params(q), &mut s).expect("valid");
        assert_eq!(s["submit_type"], "subscribe");
        assert_eq!(s["phone_number_collection"]["enabled"], true);
        assert_eq!(
            s["shipping_address_collection"]["allowed_countries"][0],
            "FR"
        );
        assert_eq!(s["custom_text"]["submit"]["message"], "Hi");
        assert_eq!(s["custom_text"]["after_submit"], Value::Null);
        assert_eq!(s["consent_collection"]["terms_of_service"], "required");
    }

    #[test]
    fn bad_options_are_refused() {
        for (q, param) in [
            ("submit_type=buy", "submit_type"),
            ("currency=eur", "currency"),
            (
                "shipping_address_collection[allowed_countries][]=france",
                "shipping_address_collection[allowed_countries]",
            ),
            ("custom_text[footer][message]=x", "custom_text[footer]"),
            ("custom_text[submit][text]=x", "custom_text[submit][text]"),
            (
                "consent_collection[promotions]=always",
                "consent_collection[promotions]",
            ),
        ] {
            let mut s = json!({"currency": "usd"});
            let e = apply(&params(q), &mut s).expect_err(q);
            assert_eq!(e.body()["error"]["param"], param, "{q}");
        }
    }
}
