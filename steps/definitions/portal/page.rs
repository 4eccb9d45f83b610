//! The portal page as a browser handles it: loading it, reading its forms (their actions,
//! hidden inputs and options) and submitting one.

use crate::steps::world::Rehearsal;

/// What a portal page answered to a form a person submitted.
pub(super) struct PageAnswer {
    pub(super) status: u16,
    pub(super) location: Option<String>,
    pub(super) html: String,
}

/// The portal page at `url`, as a browser loads it.
pub(super) async fn load_page(world: &Rehearsal, url: &str) -> (u16, String) {
    let page = world
        .env()
        .http
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("the billing portal {url} did not load: {e}"));
    let status = page.status().as_u16();
    (status, page.text().await.unwrap_or_default())
}

/// A form of a page: where it posts and its HTML.
#[derive(Debug)]
pub(super) struct Form {
    pub(super) action: String,
    pub(super) inner: String,
}

/// Every `<form>` of `html`.
fn forms(html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let from = &rest[start..];
        let Some((tag, after)) = from.split_once('>') else {
            break;
        };
        let (inner, next) = after.split_once("</form>").unwrap_or((after, ""));
        out.push(Form {
            action: attribute(tag, "action").unwrap_or_default(),
            inner: inner.to_string(),
        });
        rest = next;
    }
    out
}

/// The value of `name="…"` in one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let (_, rest) = tag.split_once(&format!("{name}=\""))?;
    let (value, _) = rest.split_once('"')?;
    Some(value.replace("&amp;", "&"))
}

/// The value of the hidden input called `name` in a form.
pub(super) fn hidden_value(form: &Form, name: &str) -> Option<String> {
    form.inner
        .split("<input")
        .skip(1)
        .find(|tag| tag.contains(&format!("name=\"{name}\"")))
        .and_then(|tag| attribute(tag, "value"))
}

/// The options a form's `<select>` offers.
pub(super) fn option_values(form: &Form) -> Vec<String> {
    form.inner
        .split("<option")
        .skip(1)
        .filter_map(|tag| attribute(tag, "value"))
        .collect()
}

/// The page's form whose action ends with `/{action}`; a person cannot press a button the
/// page does not show.
pub(super) fn form_for(html: &str, action: &str, page_url: &str) -> Form {
    forms(html)
        .into_iter()
        .find(|f| f.action.ends_with(&format!("/{action}")))
        .unwrap_or_else(|| {
            panic!(
                "the billing portal at {page_url} shows no {action:?} form (does the portal configuration allow it?):\n{html}"
            )
        })
}

/// Submits a form of the page at `page_url` with `fields`, as the browser does.
pub(super) async fn submit(
    world: &Rehearsal,
    page_url: &str,
    form: &Form,
    fields: &[(&str, String)],
) -> PageAnswer {
    let action = reqwest::Url::parse(page_url)
        .and_then(|base| base.join(&form.action))
        .unwrap_or_else(|e| panic!("the form's action {:?} is not a URL: {e}", form.action));
    let answer = world
        .env()
        .http
        .post(action.clone())
        .form(fields)
        .send()
        .await
        .unwrap_or_else(|e| panic!("submitting {action} failed: {e}"));
    PageAnswer {
        status: answer.status().as_u16(),
        location: answer
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        html: answer.text().await.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_inputs_and_options_are_read_like_a_browser() {
        let html = r#"<p>x</p><form method="post" action="/p/session/bps_1/switch_plan">
<input type="hidden" name="subscription" value="sub_1">
<select name="price"><option value="price_a">A</option><option value="price_b">B</option></select>
</form><form method="post" action="/p/session/bps_1/cancel"><input type="hidden" name="subscription" value="sub_1"></form>"#;
        let all = forms(html);
        assert_eq!(all.len(), 2);
        let switch = form_for(html, "switch_plan", "http://x/p/session/bps_1");
        assert_eq!(
            hidden_value(&switch, "subscription").as_deref(),
            Some("sub_1")
        );
        assert_eq!(option_values(&switch), ["price_a", "price_b"]);
        assert_eq!(all[1].action, "/p/session/bps_1/cancel");
    }
}
