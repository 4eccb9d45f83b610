//! The JavaScript the lookups run in the page: finding a control by its visible name or its
//! label, an option by its text, and reading what has keyboard focus.

/// The script behind `click_button` and `click_link`: the first shown element of `selector`
/// whose name (text, or value for an input) equals the wanted one; else every shown name.
pub(super) const FIND_BY_NAME: &str = r#"
const [selector, wanted] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
const name = e => e.tagName === 'INPUT' ? norm(e.value) : norm(e.innerText);
const all = Array.from(document.querySelectorAll(selector)).filter(shown);
const hit = all.find(e => name(e) === wanted);
return hit ? { element: hit } : { names: all.map(name) };
"#;

/// The script behind `fill_labelled`: the control of the `<label>` whose own text (without the
/// controls nested in it) equals the wanted one; else every label's text.
pub(super) const FIND_LABELLED: &str = r#"
const [wanted] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const own = l => {
  const copy = l.cloneNode(true);
  copy.querySelectorAll('input, select, textarea, button').forEach(c => c.remove());
  return norm(copy.textContent);
};
const labels = Array.from(document.querySelectorAll('label'));
const hit = labels.find(l => own(l) === wanted);
if (!hit) return { names: labels.map(own) };
const control = hit.control;
if (!control) return { unbound: true };
return { element: control, tag: control.tagName.toLowerCase() };
"#;

/// The script behind `select_option`: the option of a `<select>` whose text equals the wanted one.
pub(super) const FIND_OPTION: &str = r#"
const [select, wanted] = arguments;
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
const options = Array.from(select.options || []);
const hit = options.find(o => norm(o.text) === wanted);
return hit ? { element: hit } : { names: options.map(o => norm(o.text)) };
"#;

/// The script behind `active_element_text`: what a keyboard user has focused, as they would
/// read it: a field's value, a select's chosen option, else the element's text.
pub(super) const ACTIVE_TEXT: &str = r#"
const e = document.activeElement;
if (!e || e === document.body) return '';
const norm = s => (s || '').replace(/\s+/g, ' ').trim();
if (e.tagName === 'SELECT') return norm(e.selectedOptions[0] ? e.selectedOptions[0].text : '');
if (e.tagName === 'INPUT' || e.tagName === 'TEXTAREA') return e.value;
return norm(e.innerText);
"#;
