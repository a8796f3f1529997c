/* migcompat matrix --html: a layout self-check for tests/test_fleet_browser.py.
 *
 * The test puts this script, after docs/_static/layoutcheck.js, at the end of a copy of the
 * page and loads that copy with ?layoutcheck inside an <iframe> of the width under test
 * (headless chromium lays a top-level page out at least 500 px wide, whatever its window).
 * Once the page is laid out, it measures four faults and posts them, with the report of
 * layoutcheck.js (text cut at the edge of its box, and whether the page scrolls sideways),
 * to the parent page as one JSON string:
 *
 * - crossings: labels of svg#heatmap that one of its <line>s (a group separator) crosses:
 *   each label's box, turned as the label is, against each line, in screen coordinates;
 * - clipped: labels of svg#heatmap that reach outside the heat map;
 * - breaks: places where a table cell's text goes on to a new line inside a run of
 *   non-spaces anywhere but after "=" or ",", unless the run is longer than MC_LONG
 *   characters (the page's LONG_TOKEN, set by the test), as "before/after" with the run
 *   (each one once);
 * - legend: legend labels not on the line of their swatch (an element of .legend with a
 *   background and no children, whose label is the text right after it);
 * - heatmap: the heat map's box: whether it scrolls sideways within itself (overflow-x
 *   auto or scroll, content wider than the box) and the widths of box and content;
 * - scrollers: every other box that scrolls sideways within itself (a table wider than its
 *   box, say), as "element (section): content N px in a box of M px", the section being the
 *   text of the last h1 or h2 before it;
 * - pastViewport: every element, in every section, whose box reaches past the left or right
 *   edge of the viewport (the document's client width: less the scroll bar), as
 *   "element (section): left..right of W px"; an element inside a box that scrolls or clips
 *   sideways is left to that box (it cannot widen the page), and so is the inside of an <svg>;
 * - tables: the id of each <table> and whether it was laid out (a width above 0): what the
 *   two lists above covered, so that a page that lost a table does not pass for one that fits.
 *
 * The elements layoutcheck.js adds (pre#mc-layoutcheck) are not part of the page.
 */
(function () {
  "use strict";
  var LONG = window.MC_LONG || 40;
  var SPACE = /[ \t\n\r\f\v]/;

  function map(matrix, x, y) {
    return [matrix.a * x + matrix.c * y + matrix.e, matrix.b * x + matrix.d * y + matrix.f];
  }
  function corners(label) {
    var box = label.getBBox(), m = label.getScreenCTM();
    return [
      map(m, box.x, box.y),
      map(m, box.x + box.width, box.y),
      map(m, box.x + box.width, box.y + box.height),
      map(m, box.x, box.y + box.height),
    ];
  }
  function side(o, a, b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  }
  function segmentsMeet(p, q, r, s) {
    return side(r, s, p) > 0 !== side(r, s, q) > 0 && side(p, q, r) > 0 !== side(p, q, s) > 0;
  }
  function inside(point, quad) {
    var sign = 0;
    for (var i = 0; i < 4; i++) {
      var turn = side(quad[i], quad[(i + 1) % 4], point);
      if (turn !== 0) {
        if (sign === 0) {
          sign = turn > 0 ? 1 : -1;
        } else if ((turn > 0 ? 1 : -1) !== sign) {
          return false;
        }
      }
    }
    return true;
  }
  function name(label) {
    return (label.lastChild ? label.lastChild.textContent : label.textContent).trim();
  }

  function crossings(svg) {
    var out = [];
    var labels = Array.prototype.slice.call(svg.querySelectorAll("text"));
    var quads = labels.map(corners);
    Array.prototype.forEach.call(svg.querySelectorAll("line"), function (line) {
      var m = line.getScreenCTM();
      var p = map(m, line.x1.baseVal.value, line.y1.baseVal.value);
      var q = map(m, line.x2.baseVal.value, line.y2.baseVal.value);
      quads.forEach(function (quad, i) {
        var hit = inside(p, quad) || inside(q, quad);
        for (var k = 0; k < 4 && !hit; k++) {
          hit = segmentsMeet(p, q, quad[k], quad[(k + 1) % 4]);
        }
        if (hit && out.indexOf(name(labels[i])) < 0) {
          out.push(name(labels[i]));
        }
      });
    });
    return out;
  }

  function clipped(svg) {
    var frame = svg.getBoundingClientRect();
    return Array.prototype.filter
      .call(svg.querySelectorAll("text"), function (label) {
        return corners(label).some(function (p) {
          return p[0] < frame.left - 0.5 || p[0] > frame.right + 0.5 || p[1] < frame.top - 0.5 || p[1] > frame.bottom + 0.5;
        });
      })
      .map(name);
  }

  function breaks() {
    var out = [];
    var range = document.createRange();
    var cells = document.querySelectorAll("td, th");
    for (var c = 0; c < cells.length; c++) {
      var walker = document.createTreeWalker(cells[c], NodeFilter.SHOW_TEXT);
      var text = "", tops = [], node;
      while ((node = walker.nextNode())) {
        for (var i = 0; i < node.data.length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          var rects = range.getClientRects();
          text += node.data[i];
          tops.push(rects.length ? rects[0].top : null);
        }
      }
      var last = -1;
      for (var j = 0; j < text.length; j++) {
        if (tops[j] === null || SPACE.test(text[j])) {
          continue;
        }
        if (last >= 0 && tops[j] > tops[last] + 3 && !SPACE.test(text[j - 1]) && "=,".indexOf(text[j - 1]) < 0) {
          var start = j, end = j;
          while (start > 0 && !SPACE.test(text[start - 1])) {
            start--;
          }
          while (end < text.length && !SPACE.test(text[end])) {
            end++;
          }
          var shown = text.slice(start, j) + "/" + text.slice(j, end);
          if (end - start <= LONG && out.indexOf(shown) < 0) {
            out.push(shown);
          }
        }
        last = j;
      }
    }
    return out;
  }

  function legend() {
    var out = [];
    Array.prototype.forEach.call(document.querySelectorAll(".legend *"), function (swatch) {
      var colour = window.getComputedStyle(swatch).backgroundColor;
      if (swatch.children.length || colour === "rgba(0, 0, 0, 0)" || colour === "transparent") {
        return;
      }
      var label = swatch.nextSibling;
      if (!label || label.nodeType !== Node.TEXT_NODE || !label.data.trim()) {
        out.push("a swatch without a label after it");
        return;
      }
      var box = swatch.getBoundingClientRect(), middle = (box.top + box.bottom) / 2;
      var range = document.createRange();
      range.selectNodeContents(label);
      var apart = Array.prototype.some.call(range.getClientRects(), function (r) {
        return r.width > 0 && (r.top > middle || r.bottom < middle);
      });
      if (apart) {
        out.push(label.data.trim());
      }
    });
    return out;
  }

  function describe(element) {
    var out = element.tagName.toLowerCase();
    if (element.id) {
      out += "#" + element.id;
    }
    if (element.classList && element.classList.length) {
      out += "." + Array.prototype.join.call(element.classList, ".");
    }
    return out;
  }
  function section(element) {
    var found = "top";
    Array.prototype.forEach.call(document.querySelectorAll("h1, h2"), function (heading) {
      if (heading.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING) {
        found = heading.textContent.trim();
      }
    });
    return found;
  }
  // The elements of the page: all of <body>'s but the report of layoutcheck.js and the inside of an <svg>.
  function pageElements() {
    return Array.prototype.filter.call(document.body.getElementsByTagName("*"), function (element) {
      return !element.closest("#mc-layoutcheck") && !(element.parentElement && element.parentElement.closest("svg"));
    });
  }
  function sideways(element) {
    return window.getComputedStyle(element).overflowX !== "visible";
  }

  function scrollers(heatmapBox) {
    return pageElements()
      .filter(function (element) {
        return (
          element !== heatmapBox &&
          /auto|scroll/.test(window.getComputedStyle(element).overflowX) &&
          element.scrollWidth > element.clientWidth + 1
        );
      })
      .map(function (element) {
        return describe(element) + " (" + section(element) + "): content " + element.scrollWidth + " px in a box of " + element.clientWidth + " px";
      });
  }

  function pastViewport() {
    var width = document.documentElement.clientWidth;
    return pageElements()
      .filter(function (element) {
        for (var up = element.parentElement; up && up !== document.body; up = up.parentElement) {
          if (sideways(up)) {
            return false;
          }
        }
        var box = element.getBoundingClientRect();
        return box.width > 0 && (box.left < -0.5 || box.right > width + 0.5);
      })
      .map(function (element) {
        var box = element.getBoundingClientRect();
        return describe(element) + " (" + section(element) + "): " + Math.round(box.left) + ".." + Math.round(box.right) + " of " + width + " px";
      });
  }

  function tables() {
    return Array.prototype.map.call(document.querySelectorAll("table"), function (table) {
      return { id: table.id, laidOut: table.getBoundingClientRect().width > 0 };
    });
  }

  function check() {
    var svg = document.querySelector("svg#heatmap");
    var box = svg ? svg.parentElement : null;
    var layout = document.getElementById("mc-layoutcheck");
    var report = {
      width: window.innerWidth,
      layout: layout ? { pageOverflow: layout.getAttribute("data-page-overflow") === "true", cut: JSON.parse(layout.textContent) } : null,
      crossings: svg ? crossings(svg) : ["no svg#heatmap"],
      clipped: svg ? clipped(svg) : [],
      breaks: breaks(),
      legend: legend(),
      scrollers: scrollers(box),
      pastViewport: pastViewport(),
      tables: tables(),
      heatmap: box
        ? {
            scrolls: box.scrollWidth > box.clientWidth + 1 && /auto|scroll/.test(window.getComputedStyle(box).overflowX),
            boxWidth: box.clientWidth,
            contentWidth: box.scrollWidth,
          }
        : null,
    };
    window.parent.postMessage(JSON.stringify(report), "*");
  }

  if (document.readyState === "complete") {
    check();
  } else {
    window.addEventListener("load", check);
  }
})();
