import Vapor

/// The Copy buttons. A button marked `data-copy="ID"` copies the text of the element with that
/// id (a list's items one a line) and says so in the element named by `data-copy-status`.
/// The buttons are written `hidden` and shown by this script, so that without JavaScript no
/// button does nothing; the text stays on the page to select by hand either way. Served from
/// the portal itself: the pages' Content-Security-Policy allows scripts from 'self' only, and
/// the script sets no inline style.
enum CopyScript {
    static let source = """
        (function () {
          "use strict";
          function textOf(target) {
            var items = target.querySelectorAll("li");
            if (items.length) {
              return Array.prototype.map.call(items, function (item) { return item.textContent.trim(); }).join("\\n") + "\\n";
            }
            return target.textContent.trim();
          }
          function copyBySelection(text) {
            var buffer = document.createElement("textarea");
            buffer.className = "copy-buffer";
            buffer.setAttribute("readonly", "");
            buffer.setAttribute("aria-hidden", "true");
            buffer.value = text;
            document.body.appendChild(buffer);
            buffer.select();
            var copied = false;
            try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
            document.body.removeChild(buffer);
            return copied ? Promise.resolve() : Promise.reject(new Error("not copied"));
          }
          function copy(text) {
            if (navigator.clipboard && window.isSecureContext) {
              return navigator.clipboard.writeText(text).catch(function () { return copyBySelection(text); });
            }
            return copyBySelection(text);
          }
          var buttons = document.querySelectorAll("button[data-copy]");
          Array.prototype.forEach.call(buttons, function (button) {
            var target = document.getElementById(button.getAttribute("data-copy"));
            if (!target) { return; }
            var status = document.getElementById(button.getAttribute("data-copy-status") || "");
            button.hidden = false;
            button.addEventListener("click", function () {
              copy(textOf(target)).then(function () {
                if (status) { status.textContent = button.getAttribute("data-copied") || "Copied."; }
              }, function () {
                if (status) { status.textContent = "Copying did not work here: select the text and copy it yourself."; }
              });
            });
          });
        })();

        """

    private static let asset = ScriptAsset(source)

    /// `GET /assets/copy.js`.
    static func serve(_ request: Request) async throws -> Response {
        asset.response(to: request)
    }

    /// The script element a page with Copy buttons ends with.
    static var element: Markup { .element("script", [.src(SiteURL.copyScript), .attr("defer", "defer")]) }
}
