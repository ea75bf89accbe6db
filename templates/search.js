// The site's search: Pagefind's JS API over every language index the site holds, with filters,
// a date range and date order, all of it kept in the address so a search can be shared and the
// back button undoes a step. Written for Dateline's article pages (data-pagefind-* attributes).
// A large archive's index comes in parts (shards of articles spread by id): a search loads parts
// only until it has a page of results, so a word in every article costs one part, not all of them;
// and only parts that hold every word of the query, as a small index of the parts' words tells
// (pagefind-words/), so a word in a few articles, or in none, does not read every part.
// Each language's index is searched by a Pagefind instance with that language's stemmer: one
// instance would stem every query as its first language does, and miss Arabic words in an
// English-first archive (النفط stemmed as English is not the Arabic index's stem).

(() => {
const form = document.getElementById("search-form");
const root = new URL(form.dataset.root, location.href);
const FILTERS = JSON.parse(form.dataset.filters);  // [[name, label], ...], in the registry's order
const PAGE = 20;  // results shown at a time
const $ = (id) => document.getElementById(id);
const [input, order, from, to] = ["q", "sort", "from", "to"].map($);
const status = $("status"), results = $("results"), more = $("more"), pane = $("filters"), active = $("active");
const whole = $("whole");

// The indexer's folding (corpus/script.py, handed over by the page), so Persian and Arabic spellings meet.
const { folds, marks } = JSON.parse(form.dataset.folding);
const MARKS = new RegExp(`[${marks}]`, "g"), FOLDED = new RegExp(`[${Object.keys(folds).join("")}]`, "g");
const fold = (text) => text.normalize("NFKC").replace(MARKS, "").replace(FOLDED, (c) => folds[c]);

let selected = {}, shown = null, searchNumber = 0, wholly = false;  // wholly: every part that holds the words
let bundles = [];  // the parts of the index
const merged = new Set();  // the parts merged into the engines so far
const engines = new Map();  // a Pagefind instance per stemmer (the wasm a language index names)
const wordEngines = new Map();  // the same over the index of the parts' words, when the site has one
let merging = Promise.resolve();  // merges run one after another, so a search never sees a part half merged

function state() {
  const url = new URL(location.href);
  const chosen = {};
  for (const [name] of FILTERS) {
    const values = url.searchParams.getAll(name);
    if (values.length) chosen[name] = values;
  }
  return { q: url.searchParams.get("q") || "", sort: url.searchParams.get("sort") || "",
           from: url.searchParams.get("from") || "", to: url.searchParams.get("to") || "", chosen };
}

function remember(push) {
  const url = new URL(location.href);
  url.search = "";
  for (const [key, element] of [["q", input], ["sort", order], ["from", from], ["to", to]]) {
    if (element.value) url.searchParams.set(key, element.value);
  }
  for (const [name, values] of Object.entries(selected)) values.forEach((v) => url.searchParams.append(name, v));
  if (url.href !== location.href) history[push ? "pushState" : "replaceState"](null, "", url);
}

function restore() {
  const s = state();
  input.value = s.q; order.value = s.sort; from.value = s.from; to.value = s.to;
  selected = s.chosen;
}

function months() {
  // the date range as the months it spans (the month filter of every dated article page)
  const all = [...from.options].map((o) => o.value).filter(Boolean);
  const first = from.value ? all.indexOf(from.value) : 0, last = to.value ? all.indexOf(to.value) : all.length - 1;
  return from.value || to.value ? all.slice(Math.min(first, last), Math.max(first, last) + 1) : null;
}

function text(tag, content, attributes = {}) {
  const element = document.createElement(tag);
  if (content !== undefined) element.textContent = content;
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function excerpt(html) {
  // Pagefind's excerpt, keeping only its text and <mark>: nothing from a page can become markup here
  const paragraph = text("p", undefined, { class: "excerpt" });
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body;
  for (const node of parsed.childNodes) {
    paragraph.append(node.nodeName === "MARK" ? text("mark", node.textContent) : document.createTextNode(node.textContent));
  }
  return paragraph;
}

function byScore(lists) {
  // every instance's results, best first (one Pagefind search across merged indexes ranks alike)
  const all = lists.flat().sort((a, b) => b.score - a.score);
  return { left: () => all.length, take: (n) => Promise.all(all.splice(0, n).map((r) => r.data())) };
}

function byDate(lists, newest) {
  // each instance's results are in date order already: merged head by head, by the published date
  // each head's page data holds (read anyway to show it)
  const queues = lists.map((list) => [...list]);
  const read = new Map();
  const data = (result) => { if (!read.has(result)) read.set(result, result.data()); return read.get(result); };
  const date = (d) => d.meta.published || "";
  return {
    left: () => queues.reduce((n, queue) => n + queue.length, 0),
    take: async (n) => {
      const taken = [];
      while (taken.length < n) {
        const heads = await Promise.all(queues.filter((q) => q.length).map(async (q) => [q, await data(q[0])]));
        if (!heads.length) break;
        heads.sort(([, a], [, b]) => (newest ? date(b).localeCompare(date(a)) : date(a).localeCompare(date(b))));
        heads[0][0].shift();
        taken.push(heads[0][1]);
      }
      return taken;
    },
  };
}

async function showMore() {
  const number = searchNumber;
  for (const data of await shown.take(PAGE)) {
    if (number !== searchNumber) return;  // a newer search has started
    const item = text("li", undefined, { lang: data.meta.lang || "", dir: "auto" });
    const heading = text("h3");
    heading.append(text("a", data.meta.title || data.url, { href: data.url }));
    const published = data.meta.published || "";
    const date = /^\d{4}-\d\d-\d\d/.test(published) ? published.slice(0, 10) : "date unknown";
    const meta = [date, data.meta.agency, data.meta.dateline].filter((v) => v && v !== "unknown").join(" · ");
    item.append(heading, text("p", meta, { class: "meta", lang: "en", dir: "ltr" }), excerpt(data.excerpt));
    results.append(item);
  }
  more.hidden = shown.left() === 0;
}

function filterPane(counts) {
  pane.replaceChildren();
  for (const [name, label] of FILTERS) {
    if (name === "month") continue;  // the date range above
    const values = Object.entries(counts[name] || {}).filter(([value, n]) => n > 0 || (selected[name] || []).includes(value));
    if (!values.length) continue;
    values.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const box = text("details", undefined, { class: "facet" });
    if (selected[name]) box.open = true;
    box.append(text("summary", `${label} (${values.length})`));
    const list = text("ul");
    for (const [value, n] of values) {
      const id = `f-${name}-${list.children.length}`;
      const check = text("input", undefined, { type: "checkbox", id, name, value });
      check.checked = (selected[name] || []).includes(value);
      const row = text("li");
      row.append(check, " ", text("label", value, { for: id, dir: "auto" }), " ", text("span", `(${n})`, { class: "count" }));
      list.append(row);
    }
    box.append(list);
    pane.append(box);
  }
}

function activeFilters() {
  active.replaceChildren();
  const labels = Object.fromEntries(FILTERS);
  const chips = Object.entries(selected).flatMap(([name, values]) => values.map((value) => [name, value]));
  if (from.value || to.value) chips.unshift(["range", `${from.value || "…"} to ${to.value || "…"}`]);
  for (const [name, value] of chips) {
    const chip = text("button", undefined, { type: "button", class: "chip", "aria-label": `Remove filter ${labels[name] || "Published"}: ${value}` });
    chip.append(text("span", `${labels[name] || "Published"}: `), text("bdi", value), " ×");
    chip.addEventListener("click", () => {
      if (name === "range") { from.value = ""; to.value = ""; }
      else { selected[name] = selected[name].filter((v) => v !== value); if (!selected[name].length) delete selected[name]; }
      run(true);
    });
    active.append(chip);
  }
}

async function exactly(instance, term, options) {
  // Pagefind cuts a word it does not find in an index back until it matches something ("cocoa" finds
  // "co"), and every shard and language is an index of its own: most lack most words. So each word is
  // also searched as an exact term ("cocoa" finds cocoa and cocoas, never co), and only pages with
  // every word are kept, in the order of the search for all of them. A quoted phrase is exact already.
  const words = term ? term.split(/\s+/).filter(Boolean) : [];
  if (!words.length || term.includes('"')) return instance.search(term, options);
  const exact = words.map((word) => `"${word}"`);
  if (words.length === 1) return instance.search(exact[0], options);
  const [all, ...each] = await Promise.all([term, ...exact].map((t) => instance.search(t, options)));
  const found = each.map((search) => new Set(search.results.map((result) => result.id)));
  return { ...all, results: all.results.filter((result) => found.every((ids) => ids.has(result.id))) };
}

async function partsWith(term) {
  // The parts whose pages hold every word of the term (a part holds all of them in one language),
  // from the index of the parts' words; every part when the site has no such index.
  const words = term ? term.replace(/"/g, " ").split(/\s+/).filter(Boolean) : [];
  if (!words.length || !wordEngines.size) return bundles;
  const found = new Set();
  for (const instance of wordEngines.values()) {
    const searches = await Promise.all(words.map((word) => instance.search(`"${word}"`)));
    const holding = searches.map((search) => Object.entries((search.filters || {}).part || {})
      .filter(([, n]) => n > 0).map(([part]) => part));
    for (const part of holding[0]) if (holding.every((parts) => parts.includes(part))) found.add(part);
  }
  return bundles.filter((bundle) => found.has(new URL(bundle).pathname.split("/").slice(-2).join("/")));
}

async function searchAll(term, options) {
  // every instance's search: the results of each, and the filter counts added up
  const searches = await Promise.all([...engines.values()].map((engine) => exactly(engine, term, options)));
  const filters = {};
  for (const search of searches) {
    for (const [name, values] of Object.entries(search.filters || {})) {
      filters[name] = filters[name] || {};
      for (const [value, n] of Object.entries(values)) filters[name][value] = (filters[name][value] || 0) + n;
    }
  }
  const lists = searches.map((search) => search.results);
  return { lists, count: lists.reduce((n, list) => n + list.length, 0), filters };
}

async function run(push) {
  remember(push);
  activeFilters();
  const number = ++searchNumber;
  const term = input.value.trim();
  const filters = Object.fromEntries(Object.entries(selected).map(([name, values]) => [name, { any: values }]));
  const range = months();
  if (range) filters.month = { any: range };
  if (!term && !Object.keys(filters).length) {
    results.replaceChildren(); more.hidden = true; pane.replaceChildren();
    status.textContent = "Type words to search, or choose a date range.";
    return;
  }
  status.textContent = "Searching…";
  const sort = order.value ? { date: order.value === "newest" ? "desc" : "asc" } : undefined;
  const parts = await partsWith(term ? fold(term) : null);
  if (number !== searchNumber) return;
  // parts are not by date: date order and a date range need every part that holds the words
  let wanted = sort || range || wholly ? parts.length : 1;
  const searched = () => parts.filter((part) => merged.has(part)).length;
  await reach(parts.slice(0, wanted));
  let search = parts.length ? await searchAll(term ? fold(term) : null, { filters, sort }) : nothing();
  while (search.count < PAGE && searched() < parts.length) {
    wanted = Math.min(parts.length, Math.max(wanted, searched()) * 2);
    await reach(parts.slice(0, wanted));
    if (number !== searchNumber) return;
    search = await searchAll(term ? fold(term) : null, { filters, sort });
  }
  if (number !== searchNumber) return;
  const count = search.count, done = searched(), of = parts.length;
  const what = term ? ` for “${term}”` : "";
  const part = done >= of ? "" : of < bundles.length
    ? ` in ${done} of the ${of} parts (of ${bundles.length}) that hold these words, searched so far`
    : ` in the ${done} of ${of} parts of the archive searched so far`;
  status.textContent = `${count} ${count === 1 ? "article" : "articles"}${what}${part}` +
    (sort ? " (date order: articles without a date are not listed)" : "") + ".";
  whole.hidden = !part;
  whole.textContent = `Search all ${parts.length} parts`;
  results.replaceChildren();
  shown = sort ? byDate(search.lists, sort.date === "desc") : byScore(search.lists);
  filterPane(search.filters);
  await showMore();
}

function nothing() {
  // the answer when no part holds every word: no part is read
  return { lists: [], count: 0, filters: {} };
}

let pagefindCode = null;  // pagefind.js, fetched once

// Every fetch of the page (Pagefind's too) goes through here, for two reasons. A search of every part
// asks for thousands of index and filter chunks at once (each merged index fetches its own), and
// Chromium refuses requests past a few hundred in flight (ERR_INSUFFICIENT_RESOURCES), which Pagefind
// only logs: at 256 parts the whole count of a word in every article came out 696,231 of 999,999.
// So at most FETCHES are in flight, the rest wait their turn. And a stemmer's WebAssembly is one
// file, the same in every bundle of the site (as pagefind.js is, above): fetched once, not once for
// the index of the parts' words and again for each part (at 70 KB a stemmer, most of a first search).
const FETCHES = 16;
const pageFetch = window.fetch.bind(window);
const waiting = [];
let inFlight = 0;
function inTurn(resource, options) {
  return new Promise((resolve, reject) => {
    const start = () => {
      inFlight++;
      pageFetch(resource, options).then(resolve, reject).finally(() => {
        inFlight--;
        if (waiting.length) waiting.shift()();
      });
    };
    if (inFlight < FETCHES) start(); else waiting.push(start);
  });
}
const wasmFiles = new Map();
window.fetch = (resource, options) => {
  const file = typeof resource === "string" && /\/(wasm\.[\w-]+\.pagefind)$/.exec(new URL(resource, location.href).pathname);
  if (!file) return inTurn(resource, options);
  if (!wasmFiles.has(file[1])) {
    wasmFiles.set(file[1], inTurn(resource, options).catch((error) => { wasmFiles.delete(file[1]); throw error; }));
  }
  return wasmFiles.get(file[1]).then((response) => response.clone());
};

async function engine(bundle, language) {
  // A module of its own for each stemmer (a copy of pagefind.js, not downloaded again): Pagefind's
  // WebAssembly glue is one per module, and a second language's stemmer in the same module traps
  // ("unreachable") or answers with the first one's. Its createInstance takes the page's lang for
  // its language, so the lang is set for the call.
  pagefindCode = pagefindCode || fetch(`${bundle}pagefind.js`).then((response) => response.text());
  const copy = URL.createObjectURL(new Blob([await pagefindCode], { type: "text/javascript" }));
  const pagefind = await import(copy);
  const page = document.documentElement, own = page.lang;
  page.lang = language;
  let instance;
  try { instance = pagefind.createInstance({ basePath: bundle, noWorker: true }); } finally { page.lang = own; }
  await instance.options({ excerptLength: 30 });
  return instance;
}

function reach(parts) {
  merging = merging.then(() => {
    const adding = parts.filter((part) => !merged.has(part));
    adding.forEach((part) => merged.add(part));
    return mergeParts(adding, engines);
  });
  return merging;
}

async function mergeParts(adding, into) {
  // Merge parts into a map of engines, each part a Pagefind bundle with an index per language: each
  // index into the instance of its stemmer, made by the first index that names it.
  if (!adding.length) return;
  const entries = await Promise.all(adding.map(async (b) => (await fetch(`${b}pagefind-entry.json`)).json()));
  for (const [number, bundle] of adding.entries()) {
    for (const [language, index] of Object.entries(entries[number].languages)) {
      const stemmer = index.wasm || "unknown";
      if (into.has(stemmer)) await into.get(stemmer).mergeIndex(bundle, { language });
      else into.set(stemmer, await engine(bundle, language));
    }
  }
  // loads the filter indexes, without which results carry no filter counts
  await Promise.all([...into.values()].map((instance) => instance.filters()));
}

async function load() {
  // The parts are listed in search-bundles.json and loaded as searches need them; the index of the
  // parts' words (a site of more than one part has one) is loaded now, else the first part is.
  bundles = (await (await fetch(new URL("search-bundles.json", root))).json()).map((b) => new URL(b, root).href);
  if (!bundles.length) throw new Error("search-bundles.json lists no bundle");
  const words = new URL("pagefind-words/", root).href;
  if (bundles.length > 1 && (await fetch(`${words}pagefind-entry.json`)).ok) {
    await mergeParts([words], wordEngines);
  } else {
    await reach(bundles.slice(0, 1));
  }
}

function start() {
  if (location.protocol === "file:") {  // browsers refuse Pagefind's index files from disk
    status.textContent = "Search does not work from disk: serve the site (dateline serve SITE) and open it " +
      "at http://127.0.0.1:8000/search.html.";
    form.hidden = true;
    return;
  }
  const ready = load().then(() => true, (error) => {
    console.error(error);
    status.textContent = "The search index is missing or unreadable: build the site again without --no-search.";
    return false;
  });
  const search = async (push) => { if (await ready) await run(push); };
  restore();
  let typing;
  input.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(() => search(false), 250); });
  form.addEventListener("submit", (event) => { event.preventDefault(); search(true); });
  for (const element of [order, from, to]) element.addEventListener("change", () => search(true));
  pane.addEventListener("change", (event) => {
    const { name, value, checked } = event.target;
    const values = new Set(selected[name] || []);
    checked ? values.add(value) : values.delete(value);
    if (values.size) selected[name] = [...values]; else delete selected[name];
    search(true);
  });
  more.addEventListener("click", showMore);
  whole.addEventListener("click", async () => { whole.disabled = true; wholly = true; await search(false); wholly = false; whole.disabled = false; });
  window.addEventListener("popstate", () => { restore(); search(false); });
  search(false);
}

start();
})();
