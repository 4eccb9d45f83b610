#!/usr/bin/env node
// Builds simulator/conformance/contract.json from the TypeScript declarations that Stripe's
// official Node SDK ships (the `stripe` package pinned in simulator/compat/package.json),
// read with the TypeScript compiler's type checker.
//
//   simulator/compat/install_node.sh && node simulator/conformance/generate.js          # write
//   node simulator/conformance/generate.js --check   # exit 1 when the committed file is stale
//
// The contract lists, per resource the simulator implements: every declared field (path, JSON
// types, required = not optional in the declaration, nullable), the fields that can be
// expanded, and for each of create / update / list every declared parameter with an example
// value built from its declared type. See simulator/docs/conformance.md.
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const MODULES = path.join(ROOT, 'target', 'compat-node', 'node_modules');
const OUT = path.join(__dirname, 'contract.json');

function load(name) {
  try {
    return require(require.resolve(name, {paths: [MODULES]}));
  } catch (e) {
    console.error(`cannot load ${name} from ${MODULES}: run simulator/compat/install_node.sh`);
    process.exit(2);
  }
}
const ts = load('typescript');
const stripeDir = path.join(MODULES, 'stripe');
const stripePkg = JSON.parse(fs.readFileSync(path.join(stripeDir, 'package.json'), 'utf8'));
const apiVersion = /ApiVersion = '([^']+)'/.exec(
  fs.readFileSync(path.join(stripeDir, 'cjs', 'apiVersion.js'), 'utf8'),
)[1];

// The resources the simulator implements: declaration file (under cjs/resources), the object's
// interface, the resource class, and which of its methods carry create / update / list params.
const RESOURCES = [
  ['product', 'Products', 'Product', 'ProductResource'],
  ['price', 'Prices', 'Price', 'PriceResource'],
  ['customer', 'Customers', 'Customer', 'CustomerResource'],
  ['payment_method', 'PaymentMethods', 'PaymentMethod', 'PaymentMethodResource'],
  ['payment_intent', 'PaymentIntents', 'PaymentIntent', 'PaymentIntentResource'],
  ['setup_intent', 'SetupIntents', 'SetupIntent', 'SetupIntentResource'],
  ['charge', 'Charges', 'Charge', 'ChargeResource'],
  ['refund', 'Refunds', 'Refund', 'RefundResource'],
  ['dispute', 'Disputes', 'Dispute', 'DisputeResource'],
  ['radar.early_fraud_warning', 'Radar/EarlyFraudWarnings', 'EarlyFraudWarning', 'EarlyFraudWarningResource'],
  ['checkout.session', 'Checkout/Sessions', 'Session', 'SessionResource'],
  ['subscription', 'Subscriptions', 'Subscription', 'SubscriptionResource'],
  ['invoice', 'Invoices', 'Invoice', 'InvoiceResource'],
  ['invoiceitem', 'InvoiceItems', 'InvoiceItem', 'InvoiceItemResource'],
  ['billing_portal.configuration', 'BillingPortal/Configurations', 'Configuration', 'ConfigurationResource'],
  ['billing_portal.session', 'BillingPortal/Sessions', 'Session', 'SessionResource'],
  ['webhook_endpoint', 'WebhookEndpoints', 'WebhookEndpoint', 'WebhookEndpointResource'],
  ['event', 'Events', 'EventBase', 'EventResource'],
  ['test_helpers.test_clock', 'TestHelpers/TestClocks', 'TestClock', 'TestClockResource'],
];
const OPERATIONS = ['create', 'update', 'list'];
// How deep nested objects are described (fields) and exemplified (params).
const FIELD_DEPTH = 3;
const PARAM_DEPTH = 4;

const files = RESOURCES.map(([, file]) => path.join(stripeDir, 'cjs', 'resources', `${file}.d.ts`));
const program = ts.createProgram(files, {strict: true, noEmit: true, skipLibCheck: true});
const checker = program.getTypeChecker();

function exported(file, name) {
  const sf = program.getSourceFile(file);
  const found = [];
  sf.forEachChild(node => {
    if ((ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node) || ts.isTypeAliasDeclaration(node)) &&
        node.name && node.name.text === name) {
      found.push(node);
    }
  });
  if (found.length === 0) throw new Error(`${name} not found in ${file}`);
  return found[0];
}

const F = ts.TypeFlags;
const symbolName = t => (t.aliasSymbol || t.getSymbol() || {}).escapedName;
const isList = t => symbolName(t) === 'ApiList' || (t.getSymbol() && t.getSymbol().escapedName === 'ApiList');

// The pieces of a declared type: JSON types, nullability, the object/array members behind it.
function describe(type) {
  const parts = type.isUnion() ? type.types : [type];
  const out = {types: new Set(), nullable: false, optional: false, objects: [], arrays: [], literals: []};
  for (const t of parts) {
    if (t.flags & F.Null) out.nullable = true;
    else if (t.flags & (F.Undefined | F.Void)) out.optional = true;
    else if (t.flags & F.StringLiteral) { out.types.add('string'); out.literals.push(t.value); }
    else if (t.flags & F.StringLike) out.types.add('string');
    else if (t.flags & F.NumberLike) out.types.add('number');
    else if (t.flags & F.BooleanLike) { out.types.add('boolean'); out.literals.push(t.flags & F.BooleanLiteral ? t.intrinsicName === 'true' : true); }
    else if (t.isIntersection() && t.types.some(x => x.flags & F.StringLike)) out.types.add('string');
    else if (symbolName(t) === 'Decimal') out.types.add('string');
    else if (checker.isArrayType(t)) { out.types.add('array'); out.arrays.push(checker.getTypeArguments(t)[0]); }
    else if (t.flags & F.Object) { out.types.add('object'); out.objects.push(t); }
    else if (t.flags & (F.Any | F.Unknown)) out.types.add('any');
  }
  if (type.flags & F.Boolean) out.types.add('boolean');
  return out;
}

function props(type) {
  return checker.getPropertiesOfType(type).filter(p => {
    const d = p.valueDeclaration || (p.declarations || [])[0];
    return d && (ts.isPropertySignature(d) || ts.isPropertyDeclaration(d));
  });
}
const propType = (p, at) => checker.getTypeOfSymbolAtLocation(p, at);
const isOptional = p => (p.flags & ts.SymbolFlags.Optional) !== 0;

// Fields of an object type, flattened to paths (`a.b`, `items.data[].price`).
function fields(type, at, prefix, depth, seen, out, expandable, variant) {
  for (const p of props(type)) {
    const name = p.escapedName;
    const d = describe(propType(p, at));
    if (d.types.size === 0 && d.optional) continue; // `deleted?: void`
    const fpath = prefix ? `${prefix}.${name}` : name;
    const types = [...d.types].sort();
    const isExpandable = d.types.has('string') && d.types.has('object') && d.objects.length > 0;
    if (out.some(f => f.path === fpath)) continue; // the same field in another variant
    // In a union of object types (a charge's `source`), no field is known to be required.
    out.push({path: fpath, types, required: !isOptional(p) && !variant, nullable: d.nullable});
    if (isExpandable) {
      if (!expandable.includes(fpath)) expandable.push(fpath);
      continue;
    }
    if (depth === 0 && isOptional(p) && d.objects.some(isList)) expandable.push(fpath); // includable lists
    const variants = variant || d.objects.length > 1;
    if (depth + 1 >= FIELD_DEPTH) continue;
    for (const o of d.objects) {
      if (isList(o)) {
        const elem = checker.getTypeArguments(o)[0] ||
          describe(propType(checker.getPropertyOfType(o, 'data'), at)).arrays[0];
        if (!elem) continue;
        for (const e of describe(elem).objects) {
          if (!seen.has(e)) fields(e, at, `${fpath}.data[]`, depth + 1, new Set([...seen, e]), out, [], variants);
        }
        continue;
      }
      if (!seen.has(o) && props(o).length > 0) fields(o, at, fpath, depth + 1, new Set([...seen, o]), out, depth === 0 ? expandable : [], variants);
    }
    for (const a of d.arrays) {
      for (const e of describe(a).objects) {
        if (!seen.has(e) && props(e).length > 0) fields(e, at, `${fpath}[]`, depth + 1, new Set([...seen, e]), out, [], variants || describe(a).objects.length > 1);
      }
    }
  }
}

// An example value of a declared parameter type.
function example(type, at, depth) {
  const d = describe(type);
  if (d.objects.length > 0) {
    const ps = props(d.objects[0]);
    if (ps.length === 0) return {key: 'value'}; // Metadata-like: an index signature
    if (depth >= PARAM_DEPTH) return undefined;
    const v = {};
    for (const p of ps) {
      const x = example(propType(p, at), at, depth + 1);
      if (x !== undefined) v[p.escapedName] = x;
    }
    return v;
  }
  const literals = d.literals.filter(l => l !== '');
  if (literals.length > 0) return literals[0];
  if (d.types.has('number')) return 1;
  if (d.types.has('string')) return 'x';
  if (d.arrays.length > 0) {
    const x = example(d.arrays[0], at, depth + 1);
    return x === undefined ? undefined : [x];
  }
  return undefined;
}

function params(cls, method, at) {
  const m = checker.getPropertyOfType(checker.getTypeAtLocation(cls), method);
  if (!m) return null;
  const sig = checker.getSignaturesOfType(propType(m, at), ts.SignatureKind.Call)[0];
  const p = sig.parameters.find(x => x.escapedName === 'params');
  if (!p) return null;
  const t = checker.getNonNullableType(propType(p, at));
  return props(t)
    .filter(x => x.escapedName !== 'expand')
    .map(x => ({name: x.escapedName, required: !isOptional(x), example: example(propType(x, at), at, 0)}))
    .filter(x => x.example !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

const resources = {};
for (const [object, file, iface, cls] of RESOURCES) {
  const fname = path.join(stripeDir, 'cjs', 'resources', `${file}.d.ts`);
  const node = exported(fname, iface);
  const type = checker.getTypeAtLocation(node);
  const out = [];
  const expandable = [];
  fields(type, node, '', 0, new Set([type]), out, expandable, false);
  const clsNode = exported(fname, cls);
  const ops = {};
  for (const op of OPERATIONS) {
    const ps = params(clsNode, op, clsNode);
    if (ps) ops[op] = ps;
  }
  resources[object] = {declaration: `${file}.d.ts ${iface}`, fields: out, expandable: expandable.sort(), params: ops};
}

const contract = {
  generated_by: 'simulator/conformance/generate.js',
  sdk: `stripe-node ${stripePkg.version}`,
  api_version: apiVersion,
  resources,
};
// One field or parameter per line, so a new SDK version reads as a short diff.
function render(c) {
  const j = JSON.stringify;
  const lines = ['{', `"generated_by": ${j(c.generated_by)},`, `"sdk": ${j(c.sdk)},`, `"api_version": ${j(c.api_version)},`, '"resources": {'];
  const names = Object.keys(c.resources);
  names.forEach((name, i) => {
    const r = c.resources[name];
    lines.push(`${j(name)}: {`, `"declaration": ${j(r.declaration)},`, `"expandable": ${j(r.expandable)},`, '"fields": [');
    lines.push(r.fields.map(f => j(f)).join(',\n'));
    lines.push('],', '"params": {');
    const ops = Object.keys(r.params);
    ops.forEach((op, k) => {
      lines.push(`${j(op)}: [`, r.params[op].map(p => j(p)).join(',\n'), k + 1 < ops.length ? '],' : ']');
    });
    lines.push('}', i + 1 < names.length ? '},' : '}');
  });
  lines.push('}', '}');
  return lines.join('\n') + '\n';
}
const text = render(contract);
JSON.parse(text);
if (process.argv.includes('--check')) {
  const old = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (old !== text) {
    console.error(`${path.relative(ROOT, OUT)} is out of date: run node simulator/conformance/generate.js`);
    process.exit(1);
  }
  console.log(`${path.relative(ROOT, OUT)} is current (${contract.sdk}, ${apiVersion})`);
} else {
  fs.writeFileSync(OUT, text);
  let n = 0;
  for (const r of Object.values(resources)) n += r.fields.length;
  console.log(`wrote ${path.relative(ROOT, OUT)}: ${Object.keys(resources).length} resources, ${n} fields (${contract.sdk}, ${apiVersion})`);
}
