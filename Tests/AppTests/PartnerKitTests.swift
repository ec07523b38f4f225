@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// The partner kit: who sees it, who changes it, what it accepts, and the files it serves.
@Suite struct PartnerKitTests {
    // MARK: - Who sees it

    @Test func pageIsForHoldersOfTheKitPermissionsOnly() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(email: "mo@example.com", name: "Mo Marketing", role: "marketing")
            try await portal.makeOperator(email: "sue@example.com", name: "Sue Support", role: "support")

            let marketing = try await portal.signIn(email: "mo@example.com")
            let home = try await portal.visit("/", browser: marketing)
            #expect(home.text.contains("href=\"/partner-kit\""))
            let page = try await portal.visit("/partner-kit", browser: marketing)
            #expect(page.status == .ok)
            #expect(page.text.contains("<h1>Partner kit</h1>"))
            #expect(page.text.contains("No materials yet"))
            #expect(!page.text.contains("Add a link"), "Marketing views the kit but does not manage it")
            #expect(!page.text.contains("Upload a file"))

            let support = try await portal.signIn(email: "sue@example.com")
            #expect(!(try await portal.visit("/", browser: support)).text.contains("href=\"/partner-kit\""))
            #expect(try await portal.visit("/partner-kit", browser: support).status == .forbidden)
        }
    }

    @Test func marketingCannotAddOrDeleteOnThePageButAdminCan() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "mo@example.com", name: "Mo Marketing", role: "marketing")
            let admin = try await portal.signIn()
            let page = try await portal.visit("/partner-kit", browser: admin)
            #expect(page.text.contains("Add a link"))
            #expect(page.text.contains("enctype=\"multipart/form-data\""))
            let csrf = try #require(page.csrfToken)

            let added = try await portal.submit("/partner-kit/links", ["csrf_token": csrf, "title": "Brand guidelines",
                                                                       "description": "Colours & logos", "url": "https://brand.example.com/guide"],
                                                browser: admin)
            #expect(added.status == .seeOther)
            let item = try #require(try await PartnerKitItem.query(on: portal.db).first())
            #expect(item.kind == .link)
            #expect(item.url == "https://brand.example.com/guide")
            #expect(item.createdBy == "Ada Admin")
            let listed = try await portal.visit("/partner-kit", browser: admin)
            #expect(listed.text.contains("Brand guidelines"))
            #expect(listed.text.contains("Colours &amp; logos"))
            #expect(listed.text.contains("href=\"https://brand.example.com/guide\""))

            let marketing = try await portal.signIn(email: "mo@example.com")
            let theirCSRF = try #require(try await portal.visit("/partner-kit", browser: marketing).csrfToken)
            let id = try item.requireID().uuidString.lowercased()
            let refusedAdd = try await portal.submit("/partner-kit/links", ["csrf_token": theirCSRF, "title": "Mine", "url": "https://example.com"],
                                                     browser: marketing)
            #expect(refusedAdd.status == .forbidden)
            let refusedUpload = try await upload(portal, browser: marketing, csrf: theirCSRF, title: "Mine", fileName: "a.pdf", contents: Data("x".utf8))
            #expect(refusedUpload.status == .forbidden)
            #expect(try await portal.submit("/partner-kit/\(id)/delete", ["csrf_token": theirCSRF], browser: marketing).status == .forbidden)
            #expect(try await PartnerKitItem.query(on: portal.db).count() == 1)

            #expect(try await portal.submit("/partner-kit/\(id)/delete", ["csrf_token": csrf], browser: admin).status == .seeOther)
            #expect(try await PartnerKitItem.query(on: portal.db).count() == 0)
        }
    }

    @Test func anyAddressTheSchemaAcceptsIsAccepted() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.api(as: try await portal.makeOperator())
            // Found by schemathesis: mixed-case scheme, non-ASCII host, a backslash in the path.
            let body = #"{"title": "\u00a2\u00ae\u009di\ud9e5\udf12k", "url": "HtTp://\ud83c\udffb\u00e2$\u010d\u0120/\udb3e\udea5q\\\u00a3"}"#
            let response = try await admin.call(.POST, "/partner-kit", json: body)
            #expect(response.status == .created, "\(response.text)")
        }
    }

    @Test func marketingCannotAddOrDeleteThroughTheAPIButAdminCan() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.api(as: try await portal.makeOperator())
            let marketing = try await portal.api(as: try await portal.makeOperator(email: "mo@example.com", role: "marketing"))
            let support = try await portal.api(as: try await portal.makeOperator(email: "sue@example.com", role: "support"))

            let created = try await admin.call(.POST, "/partner-kit", json: #"{"title":"Logo pack","url":"https://cdn.example.com/logos.zip"}"#)
            #expect(created.status == .created)
            #expect(created.headers.first(name: .location) == nil)
            let id = try #require(try admin.object(created)["id"] as? String)

            let list = try marketing.object(try await marketing.call(.GET, "/partner-kit"))
            #expect((list["items"] as? [[String: Any]])?.map { $0["title"] as? String } == ["Logo pack"])
            #expect(try await marketing.call(.GET, "/partner-kit/\(id)").status == .ok)
            #expect(try await marketing.call(.POST, "/partner-kit", json: #"{"title":"Mine","url":"https://example.com"}"#).status == .forbidden)
            #expect(try await uploadAPI(marketing, query: "title=Mine&fileName=a.pdf", contents: Data("x".utf8)).status == .forbidden)
            #expect(try await marketing.call(.DELETE, "/partner-kit/\(id)").status == .forbidden)
            #expect(try await support.call(.GET, "/partner-kit").status == .forbidden)
            #expect(try await support.call(.GET, "/partner-kit/\(id)").status == .forbidden)

            #expect(try await admin.call(.DELETE, "/partner-kit/\(id)").status == .noContent)
            #expect(try await admin.call(.GET, "/partner-kit/\(id)").status == .notFound)
        }
    }

    // MARK: - What it accepts

    @Test func linkFormShowsEachErrorAndKeepsWhatWasTyped() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let admin = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/partner-kit", browser: admin).csrfToken)
            let response = try await portal.submit("/partner-kit/links", ["csrf_token": csrf, "title": "   ", "description": "Keep \"this\" <b>",
                                                                          "url": "javascript:alert(1)"], browser: admin)
            #expect(response.status == .unprocessableEntity)
            #expect(response.text.contains("The link was not added."))
            #expect(response.text.contains("<div class=\"error\" id=\"link-title-error\">Enter a title.</div>"))
            #expect(response.text.contains("id=\"link-url-error\">Enter a web address starting with http:// or https://"))
            #expect(response.text.contains("value=\"javascript:alert(1)\""))
            #expect(response.text.contains(">Keep \"this\" &lt;b&gt;</textarea>"))
            #expect(try await PartnerKitItem.query(on: portal.db).count() == 0)
        }
    }

    @Test(arguments: [
        (#"{"title":" ","url":"https://example.com"}"#, "title"),
        (#"{"title":"Guide","url":"ftp://example.com/guide"}"#, "url"),
        (#"{"title":"Guide","url":"https://user@example.com/"}"#, "url"),
        (#"{"title":"Guide","url":" https://example.com"}"#, "url"),
        (#"{"title":"Guide","url":"https://example.com","description":null}"#, "description"),
        (#"{"title":"Guide","url":"https://example.com","colour":"red"}"#, "colour"),
        (#"{"title":"Guide"}"#, "url"),
    ])
    func invalidLinksAre400(body: String, naming field: String) async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let response = try await api.call(.POST, "/partner-kit", json: body)
            #expect(response.status == .badRequest, "\(body)")
            #expect(response.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(try response.json(Problem.self).detail?.contains(field) == true, "\(body): \(response.text)")
            #expect(try await PartnerKitItem.query(on: portal.db).count() == 0)
        }
    }

    @Test(arguments: [
        ("https://example.com", true), ("HTTP://example.com/a?b=c#d", true), ("https://example.com:8443/ü", true),
        ("javascript:alert(1)", false), ("https://", false), ("https:///path", false), ("https://a@b.example", false),
        ("https://exa mple.com", false), ("//example.com", false), ("https://example.com/\u{7}", false),
        ("https://example.com/" + String(repeating: "a", count: 1981), false),
    ])
    func linksMustBeAbsoluteWebAddresses(url: String, valid: Bool) {
        #expect(PartnerKitInput.isLink(url) == valid)
    }

    @Test(arguments: [
        ("report.pdf", "report.pdf"), ("../../etc/passwd", "passwd"), (#"C:\Users\ada\deck.pptx"#, "deck.pptx"),
        ("  \"quoted\".pdf ", "_quoted_.pdf"), ("...", "file"), ("", "file"), ("\u{202E}fdp.exe", "fdp.exe"), ("a\u{0}b.txt", "ab.txt"),
    ])
    func fileNamesAreSanitized(raw: String, expected: String) {
        #expect(PartnerKitInput.sanitizedFileName(raw) == expected)
    }

    @Test func longFileNamesKeepTheirExtension() {
        let name = PartnerKitInput.sanitizedFileName(String(repeating: "x", count: 400) + ".pdf")
        #expect(name.unicodeScalars.count == 255)
        #expect(name.hasSuffix("x.pdf"))
    }

    @Test func contentDispositionQuotesAndEncodesTheName() {
        #expect(PartnerKitInput.contentDisposition(fileName: "deck.pptx") == #"attachment; filename="deck.pptx""#)
        #expect(PartnerKitInput.contentDisposition(fileName: "Präsentation 2024.pptx")
            == #"attachment; filename="Pr_sentation 2024.pptx"; filename*=UTF-8''Pr%C3%A4sentation%202024.pptx"#)
        #expect(PartnerKitInput.contentDisposition(fileName: #"a"b\c.txt"#) == #"attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%5Cc.txt"#)
    }

    // MARK: - Files

    @Test func uploadedFileDownloadsWithTheExactBytes() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let admin = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/partner-kit", browser: admin).csrfToken)
            let bytes = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }) + Data("\r\n--boundary\r\n".utf8)
            let response = try await upload(portal, browser: admin, csrf: csrf, title: "Spring brochure", description: "Print-ready",
                                            fileName: "Frühling.pdf", contentType: "application/pdf", contents: bytes)
            #expect(response.status == .seeOther)
            let item = try #require(try await PartnerKitItem.query(on: portal.db).first())
            #expect(item.kind == .file)
            #expect(item.fileName == "Frühling.pdf")
            #expect(item.contentType == "application/pdf")
            #expect(item.byteSize == Int64(bytes.count))

            let id = try item.requireID().uuidString.lowercased()
            let page = try await portal.visit("/partner-kit", browser: admin)
            #expect(page.text.contains("href=\"/partner-kit/\(id)/file\""))
            #expect(page.text.contains(">PDF</span>"))
            #expect(page.text.contains("4 KB"))

            let download = try await portal.visit("/partner-kit/\(id)/file", browser: admin)
            #expect(download.status == .ok)
            #expect(Data(download.body.readableBytesView) == bytes)
            #expect(download.headers.first(name: .contentType) == "application/pdf")
            #expect(download.headers.first(name: .contentDisposition) == #"attachment; filename="Fr_hling.pdf"; filename*=UTF-8''Fr%C3%BChling.pdf"#)
            #expect(download.headers.first(name: "X-Content-Type-Options") == "nosniff")
        }
    }

    @Test func filesBrowsersWouldRunAreServedAsBytes() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let admin = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/partner-kit", browser: admin).csrfToken)
            _ = try await upload(portal, browser: admin, csrf: csrf, title: "Landing page", fileName: "landing.html", contentType: "text/html",
                                 contents: Data("<script>alert(1)</script>".utf8))
            let item = try #require(try await PartnerKitItem.query(on: portal.db).first())
            #expect(item.contentType == "text/html")
            let download = try await portal.visit("/partner-kit/\(try item.requireID().uuidString)/file", browser: admin)
            #expect(download.headers.first(name: .contentType) == "application/octet-stream")
            #expect(download.headers.first(name: .contentDisposition) == #"attachment; filename="landing.html""#)
        }
    }

    @Test func apiUploadAndDownloadRoundTripTheBytes() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let bytes = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 8)) })
            let created = try await uploadAPI(api, query: "title=Price%20list&fileName=prices.xlsx&description=Q3", contents: bytes)
            #expect(created.status == .created)
            let item = try api.object(created)
            #expect(item["kind"] as? String == "file")
            #expect(item["byteSize"] as? Int == bytes.count)
            #expect(item["contentType"] as? String == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            #expect(item["description"] as? String == "Q3")
            let id = try #require(item["id"] as? String)

            let download = try await api.call(.GET, "/partner-kit/\(id)/file")
            #expect(download.status == .ok)
            #expect(Data(download.body.readableBytesView) == bytes)
            #expect(download.headers.first(name: .contentType) == "application/octet-stream")
            #expect(download.headers.first(name: .contentDisposition) == #"attachment; filename="prices.xlsx""#)

            let typed = try await uploadAPI(api, query: "title=Logo&fileName=logo&contentType=Image/PNG", contents: Data([0x89, 0x50]))
            #expect(try api.object(typed)["contentType"] as? String == "image/png")
            #expect(try await uploadAPI(api, query: "title=Logo&fileName=a/b.png", contents: Data([1])).status == .badRequest)
            #expect(try await uploadAPI(api, query: "title=Logo&fileName=a.png&contentType=png", contents: Data([1])).status == .badRequest)
            #expect(try await uploadAPI(api, query: "title=Empty&fileName=a.png", contents: Data()).status == .badRequest)
            var textHeaders = HTTPHeaders()
            textHeaders.replaceOrAdd(name: .authorization, value: "Bearer \(api.token)")
            textHeaders.contentType = .plainText
            let wrongType = try await portal.send(.POST, "/api/v1/partner-kit/files?title=Notes&fileName=notes.txt", headers: textHeaders,
                                                  body: ByteBuffer(string: "hello"))
            #expect(wrongType.status == .unsupportedMediaType)
            #expect(try wrongType.json(Problem.self).detail == "Send the request body as application/octet-stream.")

            let link = try api.object(try await api.call(.POST, "/partner-kit", json: #"{"title":"Site","url":"https://example.com"}"#))
            #expect(try await api.call(.GET, "/partner-kit/\(try #require(link["id"] as? String))/file").status == .conflict)
        }
    }

    @Test func filesOver20MBAreRefusedWith413() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let admin = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/partner-kit", browser: admin).csrfToken)
            let limit = 20 * 1024 * 1024

            // Just over: the form arrives whole, and the page says why, keeping the title.
            let justOver = try await upload(portal, browser: admin, csrf: csrf, title: "Video", fileName: "video.mp4",
                                            contents: Data(count: limit + 1))
            #expect(justOver.status == .payloadTooLarge)
            #expect(justOver.text.contains("This file is larger than 20 MB"))
            #expect(justOver.text.contains("value=\"Video\""))

            // Far over: refused before the form is read.
            let farOver = try await upload(portal, browser: admin, csrf: csrf, title: "Video", fileName: "video.mp4",
                                           contents: Data(count: limit + 100 * 1024))
            #expect(farOver.status == .payloadTooLarge)
            #expect(farOver.text.contains("Files in the partner kit can be up to 20 MB."))

            let api = try await portal.api(as: try await portal.makeOperator(email: "bo@example.com", role: "admin"))
            let refused = try await uploadAPI(api, query: "title=Video&fileName=video.mp4", contents: Data(count: limit + 1))
            #expect(refused.status == .payloadTooLarge)
            #expect(try refused.json(Problem.self).detail?.contains("up to 20 MB") == true)
            #expect(try await PartnerKitItem.query(on: portal.db).count() == 0)

            // Exactly 20 MB is fine, although the rest of the API stays at MAX_BODY_BYTES.
            #expect(try await uploadAPI(api, query: "title=Video&fileName=video.mp4", contents: Data(count: limit)).status == .created)
            #expect(try await api.call(.POST, "/partner-kit", json: #"{"title":"x","url":"https://example.com/\#(String(repeating: "a", count: 1_100_000))"}"#)
                .status == .payloadTooLarge)
        }
    }

    @Test func anonymousClientsGetNoLargerBodyLimit() async throws {
        try await TestPortal.run { portal in
            var headers = HTTPHeaders()
            headers.contentType = .binary
            let response = try await portal.send(.POST, "/partner-kit/files", headers: headers, body: ByteBuffer(bytes: [UInt8](repeating: 0, count: 2 * 1024 * 1024)))
            #expect(response.status == .payloadTooLarge)
            #expect(!response.text.contains("20 MB"))
        }
    }

    // MARK: - Lists, tenants, audit

    @Test func listPagesNewestFirstWithACursor() async throws {
        try await TestPortal.run { portal in
            let admin = try await portal.makeOperator()
            let api = try await portal.api(as: admin)
            let actor = try #require(try await AccessLoader.actor(operatorID: admin.requireID(), partnerID: portal.partner.requireID(), on: portal.db))
            let start = Date(timeIntervalSince1970: 1_767_225_600)
            for (offset, title) in ["Oldest", "Middle", "Newest"].enumerated() {
                _ = try await PartnerKitService.addLink(.init(title: title, summary: "", url: "https://example.com/\(offset)"), by: actor,
                                                        context: .system, now: start.addingTimeInterval(Double(offset)), on: portal.db)
            }
            let first = try api.object(try await api.call(.GET, "/partner-kit?limit=2"))
            #expect((first["items"] as? [[String: Any]])?.map { $0["title"] as? String } == ["Newest", "Middle"])
            let cursor = try #require(first["nextCursor"] as? String)
            let second = try api.object(try await api.call(.GET, "/partner-kit?limit=2&cursor=\(cursor)"))
            #expect((second["items"] as? [[String: Any]])?.map { $0["title"] as? String } == ["Oldest"])
            #expect(second["nextCursor"] == nil)

            #expect(try await api.call(.GET, "/partner-kit?limit=0").status == .badRequest)
            #expect(try await api.call(.GET, "/partner-kit?limit=101").status == .badRequest)
            #expect(try await api.call(.DELETE, "/partner-kit/\(cursor)").status == .noContent)
            #expect(try await api.call(.GET, "/partner-kit?cursor=\(cursor)").status == .conflict)
        }
    }

    @Test func anotherPartnersMaterialIs404ByURLAndAPI() async throws {
        try await TestPortal.run { portal in
            let globex = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            let theirs = PartnerKitItem(partnerID: try globex.requireID(), title: "Globex deck", summary: "", kind: .file,
                                        fileName: "deck.pdf", contentType: "application/pdf", byteSize: 3, createdAt: Date(), createdBy: "Them")
            try await theirs.create(on: portal.db)
            try await PartnerKitFile(itemID: try theirs.requireID(), partnerID: try globex.requireID(), contents: Data("pdf".utf8)).create(on: portal.db)
            let id = try theirs.requireID().uuidString.lowercased()

            try await portal.makeOperator()
            let admin = try await portal.signIn()
            let csrf = try #require(try await portal.visit("/partner-kit", browser: admin).csrfToken)
            #expect(!(try await portal.visit("/partner-kit", browser: admin)).text.contains("Globex deck"))
            #expect(try await portal.visit("/partner-kit/\(id)/file", browser: admin).status == .notFound)
            #expect(try await portal.submit("/partner-kit/\(id)/delete", ["csrf_token": csrf], browser: admin).status == .notFound)

            let api = try await portal.api(as: try await portal.makeOperator(email: "bo@example.com"))
            #expect((try api.object(try await api.call(.GET, "/partner-kit"))["items"] as? [Any])?.isEmpty == true)
            #expect(try await api.call(.GET, "/partner-kit/\(id)").status == .notFound)
            #expect(try await api.call(.GET, "/partner-kit/\(id)/file").status == .notFound)
            #expect(try await api.call(.DELETE, "/partner-kit/\(id)").status == .notFound)
            #expect(try await api.call(.GET, "/partner-kit?cursor=\(id)").status == .conflict)
            #expect(try await PartnerKitItem.find(theirs.id, on: portal.db) != nil)
        }
    }

    @Test func addingAndDeletingAreAudited() async throws {
        try await TestPortal.run { portal in
            let api = try await portal.api(as: try await portal.makeOperator())
            let created = try api.object(try await api.call(.POST, "/partner-kit", json: #"{"title":"Logo pack","url":"https://cdn.example.com/l.zip"}"#))
            let id = try #require(created["id"] as? String)
            #expect(try await api.call(.DELETE, "/partner-kit/\(id)").status == .noContent)
            let events = try await AuditEvent.query(on: portal.db).filter(\.$targetType == "partner-kit-item").sort(\.$at).all()
            #expect(events.map(\.action) == ["partner-kit.added", "partner-kit.deleted"])
            #expect(events.allSatisfy { $0.targetID == id && $0.targetLabel == "Logo pack" && $0.actorName == "Ada Admin" })
            #expect(events.first?.details == "link: https://cdn.example.com/l.zip")
        }
    }

    @Test func pageRendersFromItsModel() {
        let html = Layout.page(title: "Partner kit", layout: .mock, nonce: "n", content: PartnerKitView.render(.mock, csrfToken: "t")).render()
        #expect(html.contains("Spring campaign brochure"))
        #expect(html.contains("href=\"/partner-kit/6f1c3a52-1d4b-4f0e-9a43-0b7d2f1e8c11/file\""))
        #expect(html.contains("rel=\"noopener noreferrer\""))
        #expect(html.contains("action=\"/partner-kit/0a9e5d7c-3b2f-4c1a-8e6d-5f4b3a2c1d0e/delete\""))
        var readOnly = PartnerKitView.Model.mock
        readOnly.mayManage = false
        let viewOnly = Layout.page(title: "Partner kit", layout: .mock, nonce: "n", content: PartnerKitView.render(readOnly, csrfToken: "t")).render()
        #expect(!viewOnly.contains("/delete\""))
        #expect(!viewOnly.contains("Add a link"))
    }

    // MARK: - Helpers

    /// Posts the upload form as a browser does: multipart, with the file as one part.
    private func upload(_ portal: TestPortal, browser: Browser, csrf: String, title: String, description: String = "",
                        fileName: String, contentType: String = "application/octet-stream", contents: Data) async throws -> TestingHTTPResponse {
        let boundary = "----PortalBoundary7MA4YWxkTrZu0gW"
        var body = Data()
        for (name, value) in [("csrf_token", csrf), ("title", title), ("description", description)] {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        body += contents
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        let response = try await portal.send(.POST, "/partner-kit/files", headers: headers, cookies: browser, body: ByteBuffer(data: body))
        browser.absorb(response)
        return response
    }

    private func uploadAPI(_ api: APIClient, query: String, contents: Data) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .authorization, value: "Bearer \(api.token)")
        headers.contentType = .binary
        return try await api.portal.send(.POST, "/api/v1/partner-kit/files?" + query, host: api.host, headers: headers, body: ByteBuffer(data: contents))
    }
}
