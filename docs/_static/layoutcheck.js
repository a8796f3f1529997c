/* migcompat documentation: a layout self-check for tests/test_docs_browser.py.
 *
 * Does nothing unless the page's URL has ?layoutcheck. Then, once the page is
 * laid out, it lists every visible element whose content is wider than its box
 * while its overflow-x hides the rest (hidden or clip): text cut at the right
 * edge. The list goes into <pre id="mc-layoutcheck"> as JSON, which the test
 * reads from chromium's --dump-dom.
 */
(function () {
  "use strict";
  if (!/[?&]layoutcheck\b/.test(window.location.search)) {
    return;
  }
  function describe(element) {
    var name = element.tagName.toLowerCase();
    if (element.id) {
      name += "#" + element.id;
    }
    if (element.classList.length) {
      name += "." + Array.prototype.join.call(element.classList, ".");
    }
    return name;
  }
  function visible(element) {
    var box = element.getBoundingClientRect();
    var style = window.getComputedStyle(element);
    return box.width > 1 && box.height > 1 && style.visibility !== "hidden" && style.display !== "none";
  }
  function check() {
    var cut = [];
    var all = document.body.getElementsByTagName("*");
    for (var i = 0; i < all.length; i++) {
      var element = all[i];
      var overflow = window.getComputedStyle(element).overflowX;
      if ((overflow === "hidden" || overflow === "clip") && element.scrollWidth > element.clientWidth + 1 && visible(element)) {
        cut.push({
          element: describe(element),
          scrollWidth: element.scrollWidth,
          clientWidth: element.clientWidth,
          text: (element.textContent || "").trim().slice(0, 80),
        });
      }
    }
    var page = document.documentElement;
    var report = document.createElement("pre");
    report.id = "mc-layoutcheck";
    report.setAttribute("data-page-overflow", String(page.scrollWidth > page.clientWidth + 1));
    report.textContent = JSON.stringify(cut);
    document.body.appendChild(report);
  }
  if (document.readyState === "complete") {
    check();
  } else {
    window.addEventListener("load", check);
  }
})();
