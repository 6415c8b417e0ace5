// Site search with Pagefind: the index is built with the site and served from it, so no
// request leaves the site. Pages are readable without this script; only search needs it.
const form = document.querySelector("[data-search]");
const base = form.dataset.base;
const input = form.querySelector("#search-q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
document.getElementById("search-no-js").hidden = true;

const params = new URLSearchParams(window.location.search);
const query = (params.get("q") || "").trim();
input.value = query;
for (const box of form.querySelectorAll("input[type=checkbox]")) {
  box.checked = params.getAll(box.name).includes(box.value);
}

// Filters are matched here against each page's metadata (Pagefind's own filter index is
// not yet byte-for-byte reproducible, and Careleaf's builds are).
const wanted = { medicines: params.getAll("medicine"), topics: params.getAll("topic") };

function matches(page) {
  return Object.entries(wanted).every(([key, values]) => {
    if (!values.length) return true;
    const have = (page.meta[key] || "").split(";");
    return values.some((value) => have.includes(value));
  });
}

function show(results, data) {
  list.replaceChildren();
  for (const page of data) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = page.url;
    link.textContent = page.meta.title || page.url;
    const excerpt = document.createElement("p");
    excerpt.innerHTML = page.excerpt; // Pagefind escapes page text; only <mark> is markup
    item.append(link, excerpt);
    list.append(item);
  }
  const count = results.length;
  status.textContent = count === 0
    ? `No pages match “${query}”. Try another word, or browse the medicines A to Z.`
    : `${count} page${count === 1 ? "" : "s"} match “${query}”.`;
}

async function run() {
  status.textContent = "Searching…";
  try {
    const pagefind = await import(`${base}pagefind/pagefind.js`);
    await pagefind.options({ baseUrl: base });
    const search = await pagefind.search(query);
    const pages = await Promise.all(search.results.slice(0, 100).map((r) => r.data()));
    const found = pages.filter(matches);
    show(found, found.slice(0, 20));
  } catch (error) {
    status.textContent = "Search is not available right now. Please browse the medicines A to Z.";
  }
}

if (query) run();
