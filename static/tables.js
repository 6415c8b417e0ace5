// Side-effect and comparison tables become stacked cards on a phone (style.css). Browsers
// that drop a table's semantics when its CSS display changes (WebKit, so Safari and every
// browser on an iPhone) would then read the cells as loose text. ARIA roles keep the
// rows, headers and cells; they are set here rather than in the HTML, where the standard
// forbids them on the rows and cells of a native table. Without JavaScript the page reads
// the same, as a table in every browser that keeps its semantics.
const ROLES = [
  ["table.data-table", "table"],
  [".data-table > thead, .data-table > tbody", "rowgroup"],
  [".data-table tr", "row"],
  [".data-table > thead th", "columnheader"],
  [".data-table > tbody th", "rowheader"],
  [".data-table td", "cell"],
];

for (const [selector, role] of ROLES) {
  for (const element of document.querySelectorAll(selector)) {
    element.setAttribute("role", role);
  }
}
