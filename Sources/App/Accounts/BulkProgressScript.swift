import Vapor

/// Keeps a running bulk change's page up to date in place: every few seconds it reads the
/// page again and puts the new progress into the card marked `data-updates` (a polite live
/// region), so screen readers hear the count and nothing reloads under the reader. It stops
/// when the change has ended or the reader chose "Stop updating". Without JavaScript the page
/// offers a link that shows the progress now. Served from the portal itself: the pages'
/// Content-Security-Policy allows scripts from 'self' only.
enum BulkProgressScript {
    static let source = """
        (function () {
          "use strict";
          var card = document.getElementById("bulk-progress");
          if (!card || !card.hasAttribute("data-updates")) { return; }
          var every = (parseInt(card.getAttribute("data-updates"), 10) || 3) * 1000;
          var failures = 0;
          function update() {
            fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
              .then(function (response) {
                if (!response.ok) { throw new Error("status " + response.status); }
                return response.text();
              })
              .then(function (html) {
                var next = new DOMParser().parseFromString(html, "text/html").getElementById("bulk-progress");
                if (!next) { return; }
                failures = 0;
                card.replaceChildren.apply(card, Array.prototype.map.call(next.childNodes, function (node) {
                  return document.importNode(node, true);
                }));
                if (next.hasAttribute("data-updates")) { window.setTimeout(update, every); }
                else { card.removeAttribute("data-updates"); }
              })
              .catch(function () {
                failures += 1;
                if (failures < 5) { window.setTimeout(update, every * 2); }
              });
          }
          window.setTimeout(update, every);
        })();

        """

    private static let asset = ScriptAsset(source)

    /// `GET /assets/bulk-progress.js`.
    static func serve(_ request: Request) async throws -> Response {
        asset.response(to: request)
    }

    /// The script element a running change's page ends with.
    static var element: Markup { .element("script", [.src(SiteURL.bulkProgressScript), .attr("defer", "defer")]) }
}
