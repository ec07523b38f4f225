import Foundation
import Vapor

/// The time-zone field of the operator forms: a text field searchable through a list of every
/// zone, checked on the server against the zones the system knows. Without JavaScript it shows
/// the partner's default (UTC); where the person has not chosen yet, a small script served from
/// the portal itself (the Content-Security-Policy allows only 'self') fills in the browser's zone.
enum TimeZoneField {
    /// What a new operator gets when nobody chooses: the portal has no per-partner default.
    static let fallback = "UTC"

    /// Every zone the server accepts, sorted. UTC is listed even where the system's list
    /// leaves it out (it does on Linux), so it never falls back to the first zone alphabetically.
    static let zones: [String] = Array(Set(TimeZone.knownTimeZoneIdentifiers).union([fallback])).sorted()
    private static let known = Set(zones)

    static let invalidMessage = "Choose a time zone from the list, such as Europe/London or UTC."

    /// The zone as entered, or the message to show next to the field. Empty means the default.
    static func check(_ raw: String?) -> OperatorInput.Checked {
        let zone = (raw ?? "").trimmingCharacters(in: .whitespaces)
        if zone.isEmpty { return .success(fallback) }
        return known.contains(zone) ? .success(zone) : .failure(invalidMessage)
    }

    struct Model: Sendable {
        var value: String
        var error: String?
        /// Whether the browser may fill in its own zone: the person has not chosen one yet.
        var fromBrowser: Bool
    }

    static let listID = "time-zones"

    /// The field named `time_zone`, its list of zones, and the script when the browser may choose.
    static func field(_ model: Model) -> Markup {
        let id = "field-time_zone"
        let describedBy = ["\(id)-hint"] + (model.error == nil ? [] : ["\(id)-error"])
        return .div(
            .class("field"),
            .label(.for(id), .text("Time zone")),
            .input(.id(id), .name("time_zone"), .type(.text), .value(model.value), .attr("list", listID),
                   .attr("autocomplete", "off"), .attr("spellcheck", "false"), .required(true),
                   .attr("data-time-zone", model.fromBrowser ? "browser" : nil),
                   .attr("aria-invalid", model.error == nil ? nil : "true"),
                   .attr("aria-describedby", describedBy.joined(separator: " "))),
            .div(.class("hint"), .id("\(id)-hint"), .text("Type to search, e.g. London or New_York. Used for the digest and the times shown.")),
            .unwrap(model.error) { .div(.class("error"), .id("\(id)-error"), .text($0)) },
            datalistElement(.id(listID), .forEach(zones) { .option(.attr("value", $0)) }),
            .if(model.fromBrowser, scriptElement(.src(SiteURL.timeZoneScript), .attr("defer", "defer")))
        )
    }

    fileprivate static func datalistElement(_ children: Markup...) -> Markup { .element("datalist", children) }
    fileprivate static func scriptElement(_ children: Markup...) -> Markup { .element("script", children) }

    // MARK: - The script

    /// Sets fields marked `data-time-zone="browser"` to the browser's zone when the list has it.
    static let scriptSource = """
        (function () {
          "use strict";
          var zone;
          try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
          if (!zone) { return; }
          var fields = document.querySelectorAll('input[data-time-zone="browser"]');
          for (var i = 0; i < fields.length; i++) {
            var field = fields[i];
            var list = field.list;
            var known = false;
            for (var j = 0; list && j < list.options.length; j++) {
              if (list.options[j].value === zone) { known = true; break; }
            }
            if (known) { field.value = zone; }
          }
        })();

        """

    private static let asset = ScriptAsset(scriptSource)

    /// `GET /assets/time-zone.js`.
    static func script(_ request: Request) async throws -> Response {
        asset.response(to: request)
    }
}
