import Foundation

/// How an email shows its partner: the name it is sent under and, in its HTML part, the
/// brand colour and the logo.
struct EmailBrand: Sendable, Equatable {
    var name: String
    var color: String = Partner.defaultBrandColor
    /// The absolute address of the partner's uploaded logo, when it has one.
    var logoURL: String? = nil
    /// Where the portal's own links start (`https://partner.example`). Only these become
    /// links in the HTML part; any other address in the text stays text.
    var linkBase: String? = nil

    static let product = EmailBrand(name: Layout.productName)
}

/// The HTML alternative of a plain-text email: the same words, line by line, in the
/// partner's colours under its name and logo, with the portal's own links clickable. Every
/// piece of the message goes through the escaping layer; the plain text stays the message
/// of record (the outbox and the development mailbox hold only it).
enum BrandedEmail {
    static func html(subject: String, body: String, brand: EmailBrand) -> String {
        let color = BrandColor.sanitized(brand.color)
        let onBrand = BrandColor.textColor(on: color)
        let ink = BrandColor.ink(color)
        let logo = brand.logoURL.map {
            "<img src=\"\(MarkupWriter.escapeAttribute($0))\" alt=\"\" height=\"32\" style=\"height:32px;vertical-align:middle;margin-right:10px;border:0\">"
        } ?? ""
        let paragraphs = paragraphs(of: body).map { lines in
            "<p style=\"margin:0 0 16px\">" + lines.map { line(String($0), linkBase: brand.linkBase, ink: ink) }.joined(separator: "<br>") + "</p>"
        }
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
            + "<title>\(MarkupWriter.escapeText(subject))</title></head>"
            + "<body style=\"margin:0;padding:0;background:#F3F4F6\">"
            + "<div style=\"max-width:600px;margin:0 auto;background:#FFFFFF;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif\">"
            + "<div style=\"background:\(color);color:\(onBrand);padding:16px 24px;font-size:18px;font-weight:600\">"
            + logo + MarkupWriter.escapeText(brand.name) + "</div>"
            + "<div style=\"padding:24px;font-size:15px;line-height:1.5;color:\(BrandColor.darkText)\">" + paragraphs.joined() + "</div>"
            + "</div></body></html>"
    }

    /// Runs of non-empty lines.
    static func paragraphs(of body: String) -> [[Substring]] {
        var result: [[Substring]] = [], current: [Substring] = []
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                if !current.isEmpty { result.append(current); current = [] }
            } else {
                current.append(line.hasSuffix("\r") ? line.dropLast() : line)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// One line, escaped, its words that are links of the portal's own made into links.
    static func line(_ text: String, linkBase: String?, ink: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            let token = String(word)
            guard let linkBase, isOwnLink(token, base: linkBase) else { return MarkupWriter.escapeText(token) }
            return "<a href=\"\(MarkupWriter.escapeAttribute(token))\" style=\"color:\(ink)\">\(MarkupWriter.escapeText(token))</a>"
        }.joined(separator: " ")
    }

    /// The base itself or a path under it, in the characters a URL is made of.
    static func isOwnLink(_ token: String, base: String) -> Bool {
        guard token == base || token.hasPrefix(base + "/") || token.hasPrefix(base + "?") else { return false }
        return token.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 0x20 && !"<>\"'`\\{}|^".unicodeScalars.contains($0) }
    }
}
