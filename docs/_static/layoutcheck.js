/* migcompat documentation: a layout self-check for tests/test_docs_browser.py.
 *
 * Does nothing unless the page's URL has ?layoutcheck. Then, once the page is
 * laid out, it lists every visible element that a reader cannot read whole,
 * each with the problem found:
 *
 *   "cut"      content wider than its box while overflow-x hides the rest
 *              (hidden or clip): text cut at the right edge;
 *   "table"    a table wider than the box it sits in (furo's table wrapper
 *              then scrolls sideways, and the right-hand columns are off
 *              screen), or a table whose own content is wider than it;
 *   "split"    a word of an inline literal (``--host``) broken across two
 *              lines, which reads as "- -host"; literals that are meant to
 *              wrap (overflow-wrap: anywhere or break-word) are not listed;
 *   "juts"     a word of an inline literal that runs past the right edge of
 *              the paragraph or cell it is in (a long word kept whole);
 *   "scrolls"  a code block whose lines are wider than it, so that it
 *              scrolls sideways. Most pages allow this (long attribute and
 *              console lines scroll rather than wrap): the test decides on
 *              which pages it is a fault.
 *
 * The list goes into <pre id="mc-layoutcheck"> as JSON, which the test reads
 * from chromium's --dump-dom.
 */
(function () {
  "use strict";
  if (!/[?&]layoutcheck\b/.test(window.location.search)) {
    return;
  }
  var SLACK = 1; // pixels of rounding
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
  function entry(problem, element, scrollWidth, clientWidth) {
    return {
      problem: problem,
      element: describe(element),
      scrollWidth: Math.round(scrollWidth),
      clientWidth: Math.round(clientWidth),
      text: (element.textContent || "").trim().replace(/\s+/g, " ").slice(0, 80),
    };
  }
  /* The width available to the content of *element*: its client width less its padding. */
  function contentWidth(element) {
    var style = window.getComputedStyle(element);
    return element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  }
  /* Whether an inline element is laid out on more than one line. */
  function lines(element) {
    var rects = element.getClientRects();
    var tops = {};
    var count = 0;
    for (var i = 0; i < rects.length; i++) {
      if (rects[i].width < 0.5) {
        continue;
      }
      var top = Math.round(rects[i].top);
      if (!tops[top]) {
        tops[top] = true;
        count += 1;
      }
    }
    return count;
  }
  /* The block (paragraph, cell, list item) an inline element is laid out in. */
  function block(element) {
    var parent = element.parentElement;
    while (parent && /^inline/.test(window.getComputedStyle(parent).display)) {
      parent = parent.parentElement;
    }
    return parent;
  }
  function check() {
    var found = [];
    var all = document.body.getElementsByTagName("*");
    for (var i = 0; i < all.length; i++) {
      var element = all[i];
      var style = window.getComputedStyle(element);
      var overflow = style.overflowX;
      var wider = element.scrollWidth > element.clientWidth + SLACK;
      if ((overflow === "hidden" || overflow === "clip") && wider && visible(element)) {
        found.push(entry("cut", element, element.scrollWidth, element.clientWidth));
      } else if (element.tagName === "PRE" && (overflow === "auto" || overflow === "scroll") && wider && visible(element)) {
        found.push(entry("scrolls", element, element.scrollWidth, element.clientWidth));
      }
    }
    var tables = document.body.getElementsByTagName("table");
    for (var t = 0; t < tables.length; t++) {
      var table = tables[t];
      if (!visible(table) || !table.parentElement) {
        continue;
      }
      var width = table.getBoundingClientRect().width;
      var room = contentWidth(table.parentElement);
      if (width > room + SLACK) {
        found.push(entry("table", table, width, room));
      } else if (table.scrollWidth > table.clientWidth + SLACK) {
        found.push(entry("table", table, table.scrollWidth, table.clientWidth));
      }
    }
    var words = document.body.querySelectorAll("code.literal span.pre");
    for (var w = 0; w < words.length; w++) {
      var word = words[w];
      var wrap = window.getComputedStyle(word).overflowWrap;
      if (!visible(word)) {
        continue;
      }
      var box = word.getBoundingClientRect();
      if (wrap !== "anywhere" && wrap !== "break-word" && lines(word) > 1) {
        found.push(entry("split", word, box.width, box.width));
        continue;
      }
      var container = block(word);
      if (container) {
        var edge = container.getBoundingClientRect().left + container.clientLeft + container.clientWidth -
          parseFloat(window.getComputedStyle(container).paddingRight);
        if (box.right > edge + SLACK) {
          found.push(entry("juts", word, box.right - container.getBoundingClientRect().left, edge - container.getBoundingClientRect().left));
        }
      }
    }
    var page = document.documentElement;
    var report = document.createElement("pre");
    report.id = "mc-layoutcheck";
    report.setAttribute("data-page-overflow", String(page.scrollWidth > page.clientWidth + SLACK));
    report.textContent = JSON.stringify(found);
    document.body.appendChild(report);
  }
  if (document.readyState === "complete") {
    check();
  } else {
    window.addEventListener("load", check);
  }
})();
