/**
 * The `/docs` page: one self-contained HTML file (no CDN: users may be offline) whose small
 * script fetches the OpenAPI document and renders it with plain DOM calls. Text is only ever
 * set as text nodes, so nothing in the document can inject markup.
 */

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 2rem;color:#222}
h1{margin-bottom:.2rem} h2{border-bottom:2px solid #ddd;margin-top:2.5rem}
nav a{margin-right:1rem} code,.t{font-family:ui-monospace,monospace;font-size:.9em}
section{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:3.5rem;text-align:center;border-radius:4px;color:#fff;
 font-weight:600;margin-right:.6rem;padding:0 .4rem}
.get{background:#2a7ab0}.post{background:#3a9a4a}.put,.patch{background:#b07a2a}.delete{background:#b03a2a}
table{border-collapse:collapse;margin:.3rem 0;width:100%} td,th{border-top:1px solid #eee;
 padding:.2rem .5rem;text-align:left;vertical-align:top} th{font-weight:600;font-size:.85em;color:#555}
.d,.muted{color:#555}.req{color:#b03a2a}
`;

/** Runs in the browser. Kept to ES2017 and plain DOM so any current browser renders it. */
const SCRIPT = `
(function () {
  var root = document.getElementById('doc');
  function el(tag, cls) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === undefined || child === null || child === '') continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }
  function link(href, text) { var a = el('a', '', text); a.href = href; return a; }
  function refName(ref) { return ref.slice(ref.lastIndexOf('/') + 1); }

  function typeView(s, depth) {
    if (s === true || s === undefined || s === null) return el('span', 't', 'any');
    if (s.$ref) {
      var ref = el('span', 't', link('#schema-' + refName(s.$ref), refName(s.$ref)));
      if (s.description) ref.append(' ', el('span', 'd', s.description));
      return ref;
    }
    var out = el('span', 't');
    if ('const' in s) out.append('= ' + JSON.stringify(s.const));
    else if (s.enum) out.append('one of ' + s.enum.map(function (v) { return JSON.stringify(v); }).join(' | '));
    else if (s.oneOf || s.anyOf || s.allOf) {
      var parts = s.oneOf || s.anyOf || s.allOf;
      out.append(s.allOf ? 'all of: ' : 'one of: ');
      parts.forEach(function (p, i) { if (i) out.append(' | '); out.append(typeView(p, depth + 1)); });
    } else if (s.type === 'array' || (Array.isArray(s.type) && s.type.indexOf('array') >= 0)) {
      out.append('array of ', typeView(s.items, depth + 1));
    } else {
      out.append([].concat(s.type || (s.properties ? 'object' : 'any')).join(' | '));
    }
    var notes = [];
    ['format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'default']
      .forEach(function (k) { if (k in s) notes.push(k + ': ' + JSON.stringify(s[k])); });
    if (notes.length) out.append(' ', el('span', 'muted', '(' + notes.join(', ') + ')'));
    if (s.properties && depth < 4) out.append(propertiesTable(s, depth + 1));
    return out;
  }

  function propertiesTable(s, depth) {
    var table = el('table', '', el('tr', '', el('th', '', 'field'), el('th', '', 'type'), el('th', '', 'description')));
    var required = s.required || [];
    Object.keys(s.properties).forEach(function (name) {
      var p = s.properties[name];
      table.append(el('tr', '',
        el('td', 't', name, required.indexOf(name) >= 0 ? el('span', 'req', ' *') : ''),
        el('td', '', typeView(p.$ref ? { $ref: p.$ref } : p, depth)),
        el('td', 'd', p.description || (p.$ref ? '' : p.title))));
    });
    return table;
  }

  function contentView(content) {
    var box = el('div');
    Object.keys(content || {}).forEach(function (type) {
      box.append(el('div', '', el('code', '', type), ' ', typeView(content[type].schema, 0)));
    });
    return box;
  }

  function operationView(doc, path, method, op) {
    var box = el('section', '', el('h3', '', el('span', 'm ' + method, method.toUpperCase()), el('code', '', path)));
    if (op.operationId) box.id = 'op-' + op.operationId;
    box.append(el('div', '', el('strong', '', op.summary)), el('p', 'd', op.description));
    var security = op.security || doc.security || [];
    box.append(el('div', 'muted', 'Auth: ' + (security.length === 0 ? 'none' : security.map(function (req) {
      return Object.keys(req).map(function (k) { return k + (req[k].length ? ' (' + req[k].join(', ') + ')' : ''); }).join(' + ');
    }).join(' or '))));
    if (op.parameters && op.parameters.length) {
      var params = el('table', '', el('tr', '', el('th', '', 'parameter'), el('th', '', 'in'), el('th', '', 'type'), el('th', '', 'description')));
      op.parameters.forEach(function (p) {
        params.append(el('tr', '', el('td', 't', p.name, p.required ? el('span', 'req', ' *') : ''),
          el('td', '', p.in), el('td', '', typeView(p.schema, 1)), el('td', 'd', p.description)));
      });
      box.append(el('h4', '', 'Parameters'), params);
    }
    if (op.requestBody) box.append(el('h4', '', 'Request body'), contentView(op.requestBody.content));
    var responses = el('table', '', el('tr', '', el('th', '', 'status'), el('th', '', 'answer')));
    Object.keys(op.responses || {}).forEach(function (status) {
      var r = op.responses[status];
      var shared = r.$ref ? doc.components.responses[refName(r.$ref)] : r;
      responses.append(el('tr', '', el('td', 't', status),
        el('td', '', el('div', 'd', r.description || shared.description), contentView(shared.content))));
    });
    box.append(el('h4', '', 'Responses'), responses);
    return box;
  }

  function render(doc) {
    root.textContent = '';
    document.title = doc.info.title + ' API';
    root.append(el('h1', '', doc.info.title + ' API ', el('small', 'muted', doc.info.version)),
      el('p', 'd', doc.info.description), el('p', 'muted', 'OpenAPI ' + doc.openapi + ': ', link('./openapi.json', 'openapi.json')));
    var nav = el('nav');
    root.append(nav);
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var op = doc.paths[path][method];
        var tag = (op.tags && op.tags[0]) || 'Other';
        (byTag[tag] = byTag[tag] || []).push(operationView(doc, path, method, op));
      });
    });
    (doc.tags || []).map(function (t) { return t.name; }).concat(Object.keys(byTag))
      .filter(function (tag, i, all) { return byTag[tag] && all.indexOf(tag) === i; })
      .forEach(function (tag) {
        var info = (doc.tags || []).filter(function (t) { return t.name === tag; })[0];
        var heading = el('h2', '', tag);
        heading.id = 'tag-' + tag;
        nav.append(link('#tag-' + tag, tag));
        root.append(heading, el('p', 'd', info && info.description));
        byTag[tag].forEach(function (box) { root.append(box); });
      });
    var schemas = doc.components.schemas || {};
    var heading = el('h2', '', 'Schemas');
    heading.id = 'schemas';
    nav.append(link('#schemas', 'Schemas'));
    root.append(heading);
    Object.keys(schemas).sort().forEach(function (name) {
      var s = schemas[name];
      var box = el('section', '', el('h3', '', el('code', '', name)), el('p', 'd', s.description));
      box.id = 'schema-' + name;
      box.append(s.properties ? propertiesTable(s, 1) : typeView(s, 1));
      root.append(box);
    });
  }

  fetch(SOURCE, { headers: { accept: 'application/json' } })
    .then(function (res) {
      if (!res.ok) throw new Error(SOURCE + ' answered ' + res.status);
      return res.json();
    })
    .then(render)
    .catch(function (error) { root.textContent = 'Could not load the API description: ' + error.message; });
})();
`;

/** Relative, so the page also works behind a proxy that serves the gateway under a prefix. */
export const DOCUMENT_SOURCE = './openapi.json';

export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API</title>
<style>${STYLE}</style>
</head>
<body>
<main id="doc">Loading the API description…</main>
<noscript>This page renders <a href="${DOCUMENT_SOURCE}">the OpenAPI document</a> with JavaScript.</noscript>
<script>
var SOURCE = '${DOCUMENT_SOURCE}';
${SCRIPT}
</script>
</body>
</html>
`;
}
