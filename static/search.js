// Site search with Pagefind: the index is built with the site and served from it, so no
// request leaves the site, and nothing is kept: no cookies, no storage. Pages are readable
// without this script; only search needs it, and templates/search.html says so without it.
//
// Results come as you type (after a short pause), and again the moment a filter is ticked
// or cleared; Enter searches at once. When nothing matches, medicine and topic names close
// to the words typed are suggested, from the filter boxes (their values and data-url).

const TYPING_PAUSE = 250; // ms after the last key press
const PAGE_SIZE = 20; // results shown at first, and added by "Show more results"
const FILTER_SCAN = 300; // with filters ticked, how many of the best results are checked
const SLOW = 500; // ms before "Searching…" is shown
const WIDE = window.matchMedia("(min-width: 40em)");

const form = document.querySelector("[data-search]");
const base = form.dataset.base;
const input = form.querySelector("#search-q");
const options = document.getElementById("search-options");
const chosenCount = document.getElementById("search-chosen");
const boxes = [...form.querySelectorAll("input[type=checkbox]")];
const status = document.getElementById("search-status");
const suggestions = document.getElementById("search-suggestions");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const crisis = document.getElementById("search-crisis");
const RANK_SCAN = 20; // how many of the best results are looked at for a guide's section
document.getElementById("search-no-js").hidden = true;
// Without this script the crisis lines come first; with it they stand above the results,
// shown when the query is about suicide, self-harm or taking too much.
status.before(crisis);
crisis.hidden = true;

let pagefind = null;
let latest = 0; // the newest search: an older one that finishes late is dropped
let typing = 0; // the timer that waits for a pause in typing
let hits = []; // the results of the newest search, each with Pagefind's data()
let shown = 0;

function loadPagefind() {
  pagefind ??= import(`${base}pagefind/pagefind.js`)
    .then(async (module) => {
      await module.options({ baseUrl: base });
      await module.init();
      return module;
    })
    .catch((error) => {
      pagefind = null; // try again with the next search
      throw error;
    });
  return pagefind;
}

// Filters are matched here against each page's metadata (Pagefind's own filter index is
// not yet byte-for-byte reproducible, and Careleaf's builds are).
// Matched by key ("m:gabapentin", "t:muscle-cramps"), never by name: a name may hold the
// ";" between a page's values.
function ticked(name) {
  return boxes.filter((box) => box.name === name && box.checked);
}

function wantedNow() {
  return { medicines: ticked("medicine"), topics: ticked("topic") };
}

function names(wanted) {
  return [...wanted.medicines, ...wanted.topics].map((box) => box.value);
}

function matches(page, wanted) {
  const have = (page.meta.keys || "").split(";");
  return Object.values(wanted).every((chosen) => !chosen.length
    || chosen.some((box) => have.includes(box.dataset.key)));
}

async function matching(results, wanted, stale) {
  const found = [];
  const best = results.slice(0, FILTER_SCAN);
  for (let start = 0; start < best.length && !stale(); start += 50) {
    const pages = await Promise.all(best.slice(start, start + 50).map((r) => r.data()));
    for (const page of pages) {
      if (matches(page, wanted)) found.push({ data: async () => page });
    }
  }
  return { found, complete: results.length <= FILTER_SCAN };
}

// The live region: `spoken` is for screen readers only (the suggestions below say it).
function say(text, spoken = "") {
  if (status.textContent === text + spoken) return; // announce changes only
  const extra = document.createElement("span");
  extra.className = "visually-hidden";
  extra.textContent = spoken;
  status.replaceChildren(text, ...(spoken ? [extra] : []));
}

function pagesMatch(count) {
  return count === 1 ? "1 page matches" : `${count} pages match`;
}

// The address shows what is on screen, so that Back and reload bring it back; replaced,
// never added to, so that Back leaves the search page.
function remember() {
  const params = new URLSearchParams(new FormData(form));
  params.set("q", input.value.trim());
  if (!params.get("q")) params.delete("q");
  const query = params.toString();
  const address = `${window.location.pathname}${query ? `?${query}` : ""}`;
  if (address !== window.location.pathname + window.location.search) {
    window.history.replaceState(null, "", address);
  }
}

// Where a result comes from: "Gabapentin guide: If you take too much gabapentin",
// "Article about amitriptyline", "Comparison of two medicines".
function origin(page) {
  const medicines = (page.meta.medicines || "").split(";").filter(Boolean);
  if (page.comparison || page.url.includes("/compare/")) {
    return `Comparison of ${medicines.join(" and ")}`;
  }
  if (isGuide(page, medicines)) {
    return `${medicines[0]} guide${page.section ? `, section: ${page.section.title}` : ""}`;
  }
  const about = medicines.length ? ` about ${medicines.join(" and ")}` : "";
  if (page.url.includes("/articles/")) {
    return `Article${about}${page.section ? `, section: ${page.section.title}` : ""}`;
  }
  return page.section ? `Section: ${page.section.title}` : "";
}

// Pagefind escapes page text; only <mark> is markup. Citations are not indexed, which
// leaves the space that came before them ("happen ." reads "happen."), and an excerpt may
// start in the middle of a sentence, after its punctuation.
function tidy(excerpt) {
  return (excerpt || "").replace(/\s+(?=[.,;:!?)])/g, "").replace(/^[\s.,;:!?)\]]+/, "");
}

// Pagefind's excerpt is the page's text, escaped, with <mark> around the words found.
// Built as text nodes and <mark> elements, never as HTML: whatever the text holds ("<b>",
// "&lt;script&gt;") stays text.
function marked(excerpt) {
  const decoder = document.createElement("textarea"); // decodes entities, makes no elements
  let inside = false;
  return excerpt.split(/(<\/?mark>)/).flatMap((part) => {
    if (part === "<mark>" || part === "</mark>") {
      inside = part === "<mark>";
      return [];
    }
    decoder.innerHTML = part;
    if (!inside) return [document.createTextNode(decoder.value)];
    const mark = document.createElement("mark");
    mark.textContent = decoder.value;
    return [mark];
  });
}

function result(page) {
  const item = document.createElement("li");
  const title = document.createElement("h2");
  title.className = "search__result-title";
  const link = document.createElement("a");
  const section = page.section;
  link.href = section ? section.url : page.url;
  link.textContent = page.meta.title || page.url;
  title.append(link);
  const where = document.createElement("p");
  where.className = "search__result-where";
  where.textContent = origin(page);
  const excerpt = document.createElement("p");
  if (page.pinned) excerpt.textContent = page.excerpt; // the site's own words, not markup
  else excerpt.append(...marked(tidy(section ? section.excerpt : page.excerpt)));
  item.append(title, ...(where.textContent ? [where] : []), excerpt);
  return item;
}

async function nextResults() {
  const next = hits.slice(shown, shown + PAGE_SIZE);
  const pages = await Promise.all(next.map((hit) => hit.data()));
  return pages.map((page) => result("section" in page ? page : { ...page, section: bestSection(page) }));
}

function showMoreButton() {
  const left = hits.length - shown;
  more.hidden = left <= 0;
  more.textContent = `Show ${Math.min(left, PAGE_SIZE)} more result${left === 1 ? "" : "s"}`;
}

// Close names, for misspellings: the optimal string alignment distance (a letter added,
// left out, changed, or two swapped), giving up past `limit`.
function distance(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(previous[j] + 1, current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, before[j - 2] + 1);
      }
      current.push(d);
    }
    if (Math.min(...current) > limit) return limit + 1;
    [before, previous] = [previous, current];
  }
  return previous[b.length];
}

function wordsOf(text) {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

function slack(word) {
  if (word.length < 4) return 0; // too short to guess what was meant
  return word.length < 7 ? 1 : 2;
}

// How far `word` is from `known`, or from the start of it (a word still being typed).
function closeness(word, known) {
  const limit = slack(word);
  let best = distance(word, known, limit);
  for (let length = word.length - 1; length <= word.length + 1; length++) {
    if (length > 0 && length < known.length) {
      best = Math.min(best, distance(word, known.slice(0, length), limit));
    }
  }
  return best <= limit ? best : null;
}

function closeNames(query) {
  const typed = wordsOf(query).filter((word) => slack(word) > 0);
  const close = [];
  for (const box of boxes) {
    const scores = typed
      .flatMap((word) => wordsOf(box.value).map((known) => closeness(word, known)))
      .filter((score) => score !== null);
    if (scores.length) close.push({ box, score: Math.min(...scores) });
  }
  close.sort((a, b) => a.score - b.score || a.box.value.localeCompare(b.box.value));
  return close.slice(0, 4).map(({ box }) => box);
}

// The query with each misspelt word replaced by the closest word of a name, if any.
function corrected(query) {
  const known = [...new Set(boxes.flatMap((box) => wordsOf(box.value)))];
  let changed = false;
  const words = wordsOf(query).map((word) => {
    if (!slack(word)) return word;
    let best = null;
    for (const candidate of known) {
      const score = distance(word, candidate, slack(word));
      if (score <= slack(word) && (!best || score < best.score)) best = { candidate, score };
    }
    if (best && best.candidate !== word) {
      changed = true;
      return best.candidate;
    }
    return word;
  });
  return changed ? words.join(" ") : null;
}

function link(href, text) {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.textContent = text;
  return anchor;
}

function searchLink(query) {
  const anchor = link(`${base}search/?q=${encodeURIComponent(query)}`, `Search for “${query}”`);
  anchor.addEventListener("click", (event) => {
    event.preventDefault();
    input.value = query;
    input.focus();
    run();
  });
  return anchor;
}

function clearFiltersButton() {
  const clear = document.createElement("button");
  clear.type = "button";
  clear.textContent = "Clear the filters";
  clear.addEventListener("click", () => {
    for (const box of boxes) box.checked = false;
    input.focus();
    run();
  });
  return clear;
}

// What might have been meant: the query spelt like the medicine and topic names, if that
// finds more pages, and (when nothing matched) the names themselves, as links.
async function offer(query, found, module) {
  let better = corrected(query);
  if (better && (await module.search(better)).results.length <= found) better = null;
  const close = found && !better ? [] : closeNames(query);
  const offers = [];
  if (better) offers.push(searchLink(better));
  for (const box of close) {
    const name = document.createDocumentFragment();
    name.append(link(box.dataset.url, box.value), box.name === "medicine" ? " (medicine)" : " (topic)");
    offers.push(name);
  }
  const parts = [];
  if (offers.length) {
    const intro = document.createElement("p");
    intro.textContent = "Did you mean:";
    const choices = document.createElement("ul");
    for (const choice of offers) {
      const item = document.createElement("li");
      item.append(choice);
      choices.append(item);
    }
    parts.push(intro, choices);
  }
  if (!found) {
    const browse = document.createElement("p");
    browse.append("Try other words, or browse the ", link(`${base}medicines/`, "medicines A to Z"),
      " or the ", link(`${base}topics/`, "topics"), ".");
    parts.push(browse);
  }
  const said = [...(better ? [`search for “${better}”`] : []),
    ...close.map((box) => `the ${box.name === "medicine" ? "medicine" : "topic"} ${box.value}`)];
  const question = said.length < 2 ? said.join("")
    : `${said.slice(0, -1).join(", ")} or ${said.at(-1)}`;
  return { parts, question: question ? ` Did you mean: ${question}?` : "" };
}

// Case, accents and punctuation folded: "Suicídal!" reads "suicidal".
function folded(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()
    .split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

// Whether `words` hold `phrase` (folded words, in order), each word allowing a slip of a
// letter (two in long words): "suicdal" and "kil myself" still count.
function holds(words, phrase) {
  for (let start = 0; start + phrase.length <= words.length; start++) {
    if (phrase.every((want, i) => {
      const word = words[start + i];
      if (word === want) return true;
      const limit = want.length < 4 ? 0 : want.length < 8 ? 1 : 2;
      return limit > 0 && distance(word, want, limit) <= limit;
    })) return true;
  }
  return false;
}

const CRISIS = JSON.parse(crisis.dataset.crisisWords).map(folded).filter((p) => p.length);

function aboutCrisis(query) {
  const words = folded(query);
  return CRISIS.some((phrase) => holds(words, phrase));
}

function showCrisis(query) {
  crisis.hidden = !aboutCrisis(query);
}

const MEDICINES = boxes.filter((box) => box.name === "medicine")
  .map((box) => ({ name: box.value, words: folded(box.value) }));
const COMPARE_WORDS = JSON.parse(form.dataset.compareWords);
const COMPARISONS = JSON.parse(form.dataset.comparisons);
// Sections and pages that answer to other words than their own ("overdose" for "If you
// take too much"): each guide's standard sections and every page with an `also:` list.
const ANSWERS = JSON.parse(form.dataset.answers)
  .map((answer) => ({ ...answer, phrases: answer.words.map(folded) }));
const PINNED = 3; // at most this many answers go before the results

// The answers a query asks for: one of its phrases is in the query, and the query names
// the answer's medicine, or (naming none) is little more than the phrase itself.
function answersFor(words, named) {
  const chosen = ANSWERS.filter((answer) => {
    const phrase = answer.phrases.find((p) => holds(words, p));
    if (!phrase) return false;
    const medicines = (answer.medicine || "").split(";");
    if (named.length) return named.some((name) => medicines.includes(name));
    return words.length <= phrase.length + 1;
  });
  return chosen.slice(0, PINNED).map((answer) => ({
    url: answer.url,
    meta: { title: answer.title, medicines: answer.medicine || "", keys: answer.keys || "" },
    excerpt: answer.text.split(/\s+/).slice(0, 30).join(" ") + (answer.text.split(/\s+/).length > 30 ? " …" : ""),
    section: answer.section ? { url: answer.url, title: answer.section, excerpt: null } : null,
    pinned: true,
  }));
}

function pageOf(url) {
  return url.split("#")[0];
}

function medicinesIn(words) {
  return MEDICINES.filter((medicine) => holds(words, medicine.words)).map((m) => m.name);
}

// "X or Y", "X vs Y", "difference between X and Y": the comparison page of X and Y.
function comparisonFor(words, named) {
  if (named.length < 2 || !words.some((word) => COMPARE_WORDS.includes(word))) return null;
  return COMPARISONS.find((c) => c.names.every((name) => named.includes(name))) || null;
}

// A medicine guide's page (or one of its sections), about that one medicine.
function isGuide(page, medicines) {
  return /\/medicines\/[^/]+\/(#|$)/.test(page.url) && medicines.length === 1;
}

function weight(sub) {
  return (sub.weighted_locations || []).reduce((sum, at) => sum + at.weight, 0)
    || (sub.locations || []).length;
}

// The section of a page that matched best: Pagefind's sub-results are the page's headings
// with ids; the one with the most weight of matching words wins, the page's top if none.
function bestSection(page) {
  const sections = (page.sub_results || []).filter((sub) => sub.url.includes("#"));
  if (!sections.length) return null;
  return sections.reduce((best, sub) => (weight(sub) > weight(best) ? sub : best));
}

// A guide's section answers "medicine + topic" before articles do: the guide of a medicine
// the query names comes first, landing on its best section.
async function ranked(results, query, wanted) {
  const words = folded(query);
  const named = medicinesIn(words);
  const top = await Promise.all(results.slice(0, RANK_SCAN).map((hit) => hit.data()));
  const scored = top.map((page, index) => {
    const section = bestSection(page);
    const medicines = (page.meta.medicines || "").split(";").filter(Boolean);
    const guide = isGuide(page, medicines);
    const answers = guide && section && named.includes(medicines[0]) && words.length > 1;
    return { page: { ...page, section }, score: answers ? 1 : 0, index };
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  const comparison = comparisonFor(words, named);
  const pinned = [
    ...(comparison ? [{
      url: comparison.url, section: null, comparison: true, pinned: true,
      meta: { title: comparison.title, medicines: comparison.names.join(";"),
        keys: comparison.keys },
      excerpt: `What ${comparison.names.join(" and ")} are for, how they are taken, their side effects and more, side by side.`,
    }] : []),
    ...answersFor(words, named),
  ].filter((page) => matches(page, wanted));
  const taken = new Set(pinned.map((page) => pageOf(page.url)));
  const rest = scored.map(({ page }) => page).filter((page) => !taken.has(pageOf(page.url)));
  return [...pinned, ...rest].map((page) => ({ data: async () => page }))
    .concat(results.slice(RANK_SCAN));
}

function clearResults() {
  hits = [];
  shown = 0;
  list.replaceChildren();
  suggestions.replaceChildren();
  suggestions.hidden = true;
  more.hidden = true;
}

function showChosen(wanted) {
  const count = names(wanted).length;
  chosenCount.textContent = count ? ` (${count} chosen)` : "";
}

async function run({ submitted = false } = {}) {
  window.clearTimeout(typing);
  const ticket = ++latest;
  const stale = () => ticket !== latest;
  const query = input.value.trim();
  const wanted = wantedNow();
  showChosen(wanted);
  remember();
  showCrisis(query);
  if (!query) {
    clearResults();
    say(submitted ? "Type a word or two to search for." : "");
    return;
  }
  const slow = window.setTimeout(() => stale() || say("Searching…"), SLOW);
  try {
    const module = await loadPagefind();
    const search = await module.search(query);
    if (stale()) return;
    let found = search.results;
    let complete = true;
    if (names(wanted).length) {
      ({ found, complete } = await matching(search.results, wanted, stale));
    }
    if (stale()) return;
    hits = await ranked(found, query, wanted);
    if (stale()) return;
    shown = 0;
    const items = await nextResults();
    if (stale()) return;
    const filters = names(wanted).length ? ` with your filters (${names(wanted).join(", ")})` : "";
    const quoted = `“${query}”`;
    let message;
    let question = "";
    let parts = [];
    if (filters && !hits.length && search.results.length) {
      message = `No pages match ${quoted}${filters}. `
        + `${pagesMatch(search.results.length)} without them.`;
      parts = [clearFiltersButton()];
    } else {
      const meant = filters && search.results.length ? { parts: [], question: "" }
        : await offer(query, search.results.length, module);
      if (stale()) return;
      parts = meant.parts;
      if (!hits.length) message = `No pages match ${quoted}${filters}.`;
      else if (complete) message = `${pagesMatch(hits.length)} ${quoted}${filters}.`;
      else {
        message = `Of the best ${FILTER_SCAN} pages for ${quoted}, ${hits.length} match${filters}. `
          + "Add a word to narrow the search.";
      }
      question = meant.question;
    }
    suggestions.replaceChildren(...parts);
    suggestions.hidden = !parts.length;
    list.replaceChildren(...items);
    shown = items.length;
    showMoreButton();
    say(message, question);
  } catch {
    if (!stale()) say("Search is not available right now. Please browse the medicines A to Z.");
  } finally {
    window.clearTimeout(slow);
  }
}

input.addEventListener("input", () => {
  window.clearTimeout(typing);
  typing = window.setTimeout(run, TYPING_PAUSE);
});
form.addEventListener("change", (event) => {
  if (event.target.type === "checkbox") run();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  run({ submitted: true });
});
more.addEventListener("click", async () => {
  const ticket = latest;
  const items = await nextResults();
  if (ticket !== latest) return;
  list.append(...items);
  shown += items.length;
  showMoreButton();
  items[0]?.querySelector("a").focus(); // go on reading where the new results start
});

// On a phone the filters stay closed, so that results come first; on a wider screen
// they are open. Without this script they stay closed (search needs it anyway).
function fitFilters() {
  options.open = WIDE.matches;
}
WIDE.addEventListener("change", fitFilters);
fitFilters();

const params = new URLSearchParams(window.location.search);
input.value = (params.get("q") || "").trim();
for (const box of boxes) box.checked = params.getAll(box.name).includes(box.value);
showChosen(wantedNow());
if (input.value) run();
else loadPagefind().catch(() => {}); // ready for the first key press
