@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// CSV import of accounts and operator invitations: the file read byte by byte, the mapping
/// guessed and changed, the check that changes nothing, the import row by row through the
/// access policy, the report, a second run that changes nothing, resuming after a stop, and
/// the API.
@Suite struct ImportTests {
    // MARK: - Reading the file

    @Test func theReaderKeepsQuotesLineBreaksAndReportsARowThatIsNotUTF8() throws {
        var bytes = Data("\u{FEFF}Name;Email;Tags\r\n\"Smith; Sons\";a@example.com;\"one, \"\"two\"\"\"\r\n\r\n".utf8)
        bytes += Data("Caf".utf8) + Data([0xE9]) + Data(";b@example.com;\n\"Line\nbreak\";c@example.com;x".utf8)
        var reader = try CSVReader(bytes)
        #expect(reader.separator == UInt8(ascii: ";"))
        var records: [CSVReader.Record] = []
        while let record = reader.next() { records.append(record) }
        #expect(records.map(\.number) == [1, 2, 4, 5])
        #expect(records[0].fields == ["Name", "Email", "Tags"])
        #expect(records[1].fields == ["Smith; Sons", "a@example.com", "one, \"two\""])
        #expect(records[2].badEncoding == 0)
        #expect(records[2].fields[1] == "b@example.com")
        #expect(records[3].fields == ["Line\nbreak", "c@example.com", "x"])
        #expect(records[1].badEncoding == nil)
        #expect(throws: CSVReader.Failure.notUTF8) { try CSVReader(Data([0xFF, 0xFE, 0x41, 0x00])) }
        #expect(throws: CSVReader.Failure.empty) { try CSVReader(Data("\r\n".utf8)) }
    }

    @Test func theMappingIsGuessedFromTheHeadings() {
        let guess = ImportMapping.guess(headings: ["Company name", "E-mail", "Tel.", "Location", "Something"], kind: .accounts)
        #expect(guess.isHeader)
        #expect(guess.mapping.columns == [.name: 0, .email: 1, .phone: 2, .group: 3])
        let data = ImportMapping.guess(headings: ["Acme", "ann@example.com"], kind: .accounts)
        #expect(!data.isHeader)
        #expect(ImportMapping([.name: 0, .email: 0]).problems(for: .accounts, columnCount: 2)[.email] == "This column is already read as Name.")
        #expect(ImportMapping([.name: 0]).problems(for: .operators, columnCount: 2)[.role] != nil)
    }

    @Test(arguments: [("=HYPERLINK(1)", ImportField.name, true), ("+1 555 0100", .phone, false), ("+cmd", .phone, true),
                      ("-3", .staffSlots, false), ("-x", .name, true), ("-Zq3_x", .businessUID, false), ("@SUM", .tags, true), ("Plain", .name, false)])
    func aFormulaLookingCellIsRecognised(_ value: String, _ field: ImportField, _ formula: Bool) {
        #expect(ImportRows.looksLikeFormula(value, field: field) == formula)
    }

    // MARK: - Accounts, through the pages

    /// The issue's file: good rows, and bad ones — missing email, a duplicate, a group outside
    /// the importer's scope, a formula-looking cell, a wrong encoding, and one whose account
    /// would be created but whose nickname is refused (nothing of it may stay).
    static func mixedFile() -> Data {
        var text = "Business name,Email,Phone,Group,Tags,Nickname\r\n"
        text += "Alpha Bakery,alpha@example.com,+1 555 0100,West,bread; local,alpha-bakery\r\n"  // 2: created
        text += "Beta Barbers,,,West,,\r\n"  // 3: missing email
        text += "Gamma Gym,gamma@example.com,,West,,\r\n"  // 4: created
        text += "Gamma Again,GAMMA@example.com,,West,,\r\n"  // 5: duplicate of 4 (email)
        text += "Delta Dental,delta@example.com,,East,,\r\n"  // 6: group outside scope
        text += "=HYPERLINK(\"http://evil\"),eps@example.com,,West,,\r\n"  // 7: formula
        var data = Data(text.utf8)
        data += Data("Zeta Caf".utf8) + Data([0xE9]) + Data(",zeta@example.com,,West,,\r\n".utf8)  // 8: not UTF-8
        data += Data("Eta Eats,eta@example.com,,West,,Bad Nick!\r\n".utf8)  // 9: created, then its nickname refused
        return data
    }

    /// A custom role: Account Admin's permissions and accounts.import, granted over `group` only.
    private func groupImporter(_ portal: TestPortal, over group: AccountGroup) async throws -> Operator {
        let partnerID = try portal.partner.requireID()
        let adminRole = try #require(BuiltInRole.named("account-admin"))
        let role = CustomRole(partnerID: partnerID, name: "Group importer", description: "Imports into one group",
                              permissions: adminRole.permissions.union([.accountsImport]), secureClearance: false)
        try await role.create(on: portal.db)
        let op = try await portal.makeOperator(email: "gia@example.com", name: "Gia Group", role: "viewer")
        let grant = try #require(try await Grant.query(on: portal.db).filter(\.$operator.$id == op.requireID()).first())
        grant.role = try role.requireID().uuidString.lowercased()
        grant.scope = .group
        grant.scopeID = group.id
        try await grant.update(on: portal.db)
        return op
    }

    private func upload(_ portal: TestPortal, browser: Browser, kind: ImportKind, fileName: String = "clients.csv", contents: Data) async throws -> TestingHTTPResponse {
        let form = try await portal.visit(SiteURL.newImport(kind).path, browser: browser)
        #expect(form.status == .ok)
        let boundary = "----PortalImportBoundary"
        var body = Data()
        for (name, value) in [("csrf_token", form.csrfToken ?? ""), ("kind", kind.rawValue)] {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: text/csv\r\n\r\n".utf8)
        body += contents
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        let response = try await portal.send(.POST, "/imports", headers: headers, cookies: browser, body: ByteBuffer(data: body))
        browser.absorb(response)
        return response
    }

    /// Posts the mapping form as the page shows it (its guessed choices).
    private func confirmMapping(_ portal: TestPortal, browser: Browser, at path: String, fields: [(String, String)]? = nil) async throws -> TestingHTTPResponse {
        let page = try await portal.visit(path, browser: browser)
        #expect(page.status == .ok)
        var sent = fields ?? []
        if fields == nil {
            for match in page.text.matches(of: /<select id="field-(column_[a-z_]+)" name="column_[a-z_]+"[^>]*>(.*?)<\/select>/.dotMatchesNewlines()) {
                let selected = String(match.output.2).firstMatch(of: /<option value="([^"]*)" selected="selected">/).map { String($0.output.1) } ?? ""
                sent.append((String(match.output.1), selected))
            }
            sent.append(("has_header", "1"))
        }
        return try await portal.submitMulti(path + "/mapping", sent + [("csrf_token", page.csrfToken ?? "")], browser: browser)
    }

    private func runJob(_ portal: TestPortal, batchSize: Int = ImportJob.batchSize) async throws {
        for _ in 0..<50 {
            try await ImportJob.runDue(now: Date(), on: portal.db, logger: portal.app.logger, batchSize: batchSize, budget: .seconds(30))
            if try await DataImport.query(on: portal.db).filter(\.$phase ~~ [.checking, .importing]).count() == 0 { return }
        }
        Issue.record("the import job did not finish")
    }

    private func accountCount(_ portal: TestPortal) async throws -> Int {
        try await Account.query(on: portal.db).filter(\.$partnerID == portal.partner.requireID()).count()
    }

    @Test func aGroupImporterImportsTheGoodRowsReportsEachBadOneAndASecondRunChangesNothing() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let west = AccountGroup(partnerID: partnerID, parent: nil, name: "West")
            try await west.create(on: portal.db)
            let east = AccountGroup(partnerID: partnerID, parent: nil, name: "East")
            try await east.create(on: portal.db)
            try await groupImporter(portal, over: west)
            let browser = try await portal.signIn(email: "gia@example.com")

            let list = try await portal.visit("/accounts", browser: browser)
            #expect(list.text.contains("href=\"/accounts/import\""))
            let uploaded = try await upload(portal, browser: browser, kind: .accounts, contents: Self.mixedFile())
            #expect(uploaded.status == .seeOther)
            let path = try #require(uploaded.headers.first(name: .location))
            let mapping = try await portal.visit(path, browser: browser)
            #expect(mapping.text.contains("Which column is which"))
            #expect(mapping.text.contains("Alpha Bakery"))

            // The check changes nothing and names every bad row.
            #expect(try await confirmMapping(portal, browser: browser, at: path).status == .seeOther)
            try await runJob(portal)
            #expect(try await accountCount(portal) == 0)
            #expect(try await AuditEvent.query(on: portal.db).filter(\.$partnerID == partnerID).all().filter { $0.action == "account.created" }.isEmpty)
            let record = try #require(try await DataImport.query(on: portal.db).first())
            #expect(record.phase == .checked)
            #expect(record.tally == ImportTally(created: 2, updated: 0, unchanged: 0, failed: 6))
            let checked = try await portal.visit(path, browser: browser)
            #expect(checked.text.contains("2 accounts would be created; 6 rows cannot be imported."))
            #expect(checked.text.contains("Import 2 rows, leaving out the others"))

            let results = try await ImportService.results(record, limit: 100, on: portal.db)
            let byRow = Dictionary(uniqueKeysWithValues: results.map { ($0.number, $0) })
            #expect(byRow[2]?.outcome == .created)
            #expect(byRow[3]?.field == .email && byRow[3]?.message == "A new account needs an email for its owner.")
            #expect(byRow[4]?.outcome == .created)
            #expect(byRow[5]?.field == .email && byRow[5]?.message?.contains("Row 4 has the same email") == true)
            #expect(byRow[6]?.outcome == .refused && byRow[6]?.field == .group)
            #expect(byRow[6]?.message == "No group you may import into is called “East”.")
            #expect(byRow[7]?.field == .name && byRow[7]?.message?.contains("runs as a formula") == true)
            #expect(byRow[8]?.field == .name && byRow[8]?.message?.contains("not UTF-8") == true)
            #expect(byRow[9]?.field == .nickname && byRow[9]?.outcome == .failed)

            // The import does what the check said, and leaves nothing of the bad rows.
            let start = try await portal.submit(path + "/start", ["csrf_token": checked.csrfToken ?? ""], browser: browser)
            #expect(start.status == .seeOther)
            try await runJob(portal)
            let done = try #require(try await DataImport.query(on: portal.db).first())
            #expect(done.phase == .done)
            #expect(done.tally == ImportTally(created: 2, updated: 0, unchanged: 0, failed: 6))
            let accounts = try await Account.query(on: portal.db).filter(\.$partnerID == partnerID).sort(\.$name).all()
            try #require(accounts.map(\.name) == ["Alpha Bakery", "Gamma Gym"])
            #expect(accounts.allSatisfy { $0.groupID == west.id })
            #expect(accounts[0].nickname == "alpha-bakery" && accounts[0].phone == "+1 555 0100")
            #expect(try await AccountLabels.tags(of: accounts[0], on: portal.db).sorted() == ["bread", "local"])
            #expect(try await Account.query(on: portal.db).filter(\.$email == "eta@example.com").count() == 0)
            #expect(try await AccountUser.query(on: portal.db).filter(\.$email == "eta@example.com").count() == 0)
            #expect(try await OutboundMessage.query(on: portal.db).filter(\.$recipient == "eta@example.com").count() == 0)
            // Each owner invited through the outbox; each account's History says it was made.
            // (Gia's own sign-in code is in the outbox too.)
            #expect(Set(try await OutboundMessage.query(on: portal.db).filter(\.$recipient != "gia@example.com").all().map(\.recipient))
                    == ["alpha@example.com", "gamma@example.com"])
            let entries = try await AuditEvent.query(on: portal.db).filter(\.$partnerID == partnerID).all()
            #expect(entries.filter { $0.action == "account.created" }.count == 2)
            #expect(entries.contains { $0.action == "import.finished" && $0.details.contains("2 accounts created") })
            let finished = try await portal.visit(path, browser: browser)
            #expect(finished.text.contains("2 accounts created; 6 rows not imported."))

            // The report: a line per row, with the reason and the row's own cells (a formula defused).
            let report = try await portal.visit(path + "/report.csv", browser: browser)
            #expect(report.headers.contentType?.subType == "csv")
            let lines = report.text.split(separator: "\r\n")
            #expect(lines.count == 9)
            #expect(lines[0].hasSuffix("Row,Result,Column,Why,Business UID,Business name,Email,Phone,Group,Tags,Nickname"))
            #expect(lines[1].hasPrefix("2,created,,,\(accounts[0].businessUID),Alpha Bakery"))
            #expect(lines.contains { $0.hasPrefix("3,failed,Email,A new account needs an email for its owner.") })
            #expect(lines.contains { $0.hasPrefix("7,failed,Business name,") && $0.contains("'=HYPERLINK") })

            // The same file again: every good row matches its account and changes nothing.
            let again = try await upload(portal, browser: browser, kind: .accounts, contents: Self.mixedFile())
            let againPath = try #require(again.headers.first(name: .location))
            #expect(try await confirmMapping(portal, browser: browser, at: againPath).status == .seeOther)
            try await runJob(portal)
            let secondCheck = try #require(try await DataImport.query(on: portal.db).filter(\.$phase == .checked).first())
            let secondPage = try await portal.visit(againPath, browser: browser)
            let secondStart = try await portal.submit(againPath + "/start", ["csrf_token": secondPage.csrfToken ?? ""], browser: browser)
            #expect(secondStart.status == .seeOther)
            #expect(secondCheck.tally.unchanged == 2)
            try await runJob(portal)
            let second = try #require(try await DataImport.find(secondCheck.id, on: portal.db))
            #expect(second.tally == ImportTally(created: 0, updated: 0, unchanged: 2, failed: 6))
            #expect(try await accountCount(portal) == 2)
            #expect(try await OutboundMessage.query(on: portal.db).filter(\.$recipient != "gia@example.com").count() == 2)
        }
    }

    @Test func aMatchedRowUpdatesOnlyWhatItsCellsSayAndEachChangeIsInTheAccountsHistory() async throws {
        try await TestPortal.run { portal in
            let partnerID = try portal.partner.requireID()
            let west = AccountGroup(partnerID: partnerID, parent: nil, name: "West")
            try await west.create(on: portal.db)
            let inWest = Account(partnerID: partnerID, name: "Old Name", email: "old@example.com", groupID: west.id, secure: false)
            inWest.phone = "+1 555 0000"
            try await inWest.create(on: portal.db)
            let elsewhere = Account(partnerID: partnerID, name: "Elsewhere", email: "else@example.com", groupID: nil, secure: false)
            try await elsewhere.create(on: portal.db)
            try await groupImporter(portal, over: west)
            let browser = try await portal.signIn(email: "gia@example.com")
            var text = "Business UID,Name,Phone,Tags,Email\n"
            text += "\(inWest.businessUID),New Name,,vip,\n"  // phone left as it is, a tag added
            text += "\(elsewhere.businessUID),Taken Over,,,\n"  // outside the importer's group
            let uploaded = try await upload(portal, browser: browser, kind: .accounts, contents: Data(text.utf8))
            let path = try #require(uploaded.headers.first(name: .location))
            #expect(try await confirmMapping(portal, browser: browser, at: path).status == .seeOther)
            try await runJob(portal)
            let page = try await portal.visit(path, browser: browser)
            #expect(page.text.contains("0 accounts would be created, 1 would be updated; 1 row cannot be imported."))
            #expect(try await Account.find(inWest.id, on: portal.db)?.name == "Old Name")
            _ = try await portal.submit(path + "/start", ["csrf_token": page.csrfToken ?? ""], browser: browser)
            try await runJob(portal)
            let updated = try #require(try await Account.find(inWest.id, on: portal.db))
            #expect(updated.name == "New Name" && updated.phone == "+1 555 0000" && updated.email == "old@example.com")
            #expect(try await AccountLabels.tags(of: updated, on: portal.db) == ["vip"])
            #expect(try await Account.find(elsewhere.id, on: portal.db)?.name == "Elsewhere")
            let record = try #require(try await DataImport.query(on: portal.db).first())
            let results = try await ImportService.results(record, limit: 10, on: portal.db)
            #expect(results.map(\.outcome) == [.updated, .failed])
            #expect(results.last?.message == "No account you may see has this Business UID.")
            let history = try await AuditEvent.query(on: portal.db).filter(\.$targetID == inWest.id?.uuidString.lowercased()).all().map(\.action)
            #expect(Set(history) == ["account.details-changed", "account.tag-added"])
        }
    }

    @Test func hostileCellsAreEscapedOnThePagesAndDefusedInTheReport() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let evil = "<script>alert(1)</script>"
            var text = "Business name,Email,Group\r\n"
            text += "\"\(evil)\",evil@example.com,\"\\\"><img src=x onerror=alert(2)>\"\r\n"
            text += "\"\(evil)\",second@example.com,\r\n"
            let uploaded = try await upload(portal, browser: browser, kind: .accounts, fileName: "<b>x</b>.csv", contents: Data(text.utf8))
            let path = try #require(uploaded.headers.first(name: .location))
            let mapping = try await portal.visit(path, browser: browser)
            #expect(!mapping.text.contains("<script>alert") && mapping.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!mapping.text.contains("<b>x</b>") && !mapping.text.contains("<img src=x"))
            #expect(try await confirmMapping(portal, browser: browser, at: path).status == .seeOther)
            try await runJob(portal)
            let checked = try await portal.visit(path, browser: browser)
            #expect(!checked.text.contains("<img src=x") && checked.text.contains("&lt;img src=x onerror=alert(2)&gt;"))
            _ = try await portal.submit(path + "/start", ["csrf_token": checked.csrfToken ?? ""], browser: browser)
            try await runJob(portal)
            let created = try #require(try await Account.query(on: portal.db).filter(\.$email == "second@example.com").first())
            #expect(created.name == evil)  // kept as written, shown escaped
            let account = try await portal.visit("/accounts/\(created.businessUID)", browser: browser)
            #expect(!account.text.contains("<script>alert"))
            let report = try await portal.visit(path + "/report.csv", browser: browser)
            // The group cell holds a quote, so it is quoted with the quote doubled; every line has its 5 result columns and 3 cells.
            #expect(report.text.contains(#","\><img src=x onerror=alert(2)>""""#), "\(report.text)")
            #expect(!report.text.split(separator: "\r\n").contains { line in line.split(separator: ",").contains { $0.hasPrefix("=") } })
        }
    }

    @Test func anImportIsSeenOnlyByWhoStartedItAndNeedsThePermission() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            try await portal.makeOperator(email: "sam@example.com", name: "Sam Sysman", role: "system-manager")
            try await portal.makeOperator(email: "mo@example.com", name: "Mo Marketing", role: "marketing")
            let ada = try await portal.signIn()
            let uploaded = try await upload(portal, browser: ada, kind: .accounts, contents: Data("Name,Email\nAcme,acme@example.com\n".utf8))
            let path = try #require(uploaded.headers.first(name: .location))
            // The upload form lists it among Ada's recent imports; an upload that never finished is not listed.
            let placeholder = DataImport()
            (placeholder.id, placeholder.partnerID, placeholder.operatorID, placeholder.operatorName, placeholder.ip) =
                (UUID(), try portal.partner.requireID(), try #require(try await Operator.query(on: portal.db).filter(\.$email == "ada@example.com").first()?.id), "Ada", "")
            (placeholder.baseURL, placeholder.kind, placeholder.fileName, placeholder.headingsJSON, placeholder.hasHeader) = ("", .accounts, "unfinished.csv", "[]", true)
            (placeholder.mappingJSON, placeholder.phase, placeholder.error, placeholder.createdAt) = ("{}", .failed, "The upload did not finish.", Date())
            (placeholder.total, placeholder.done, placeholder.created, placeholder.updated, placeholder.unchanged, placeholder.failed, placeholder.cursor) = (0, 0, 0, 0, 0, 0, 0)
            try await placeholder.create(on: portal.db)
            let form = try await portal.visit("/accounts/import", browser: ada)
            #expect(form.text.contains("Your recent imports") && form.text.contains("href=\"\(path)\"") && !form.text.contains("unfinished.csv"))
            let sam = try await portal.signIn(email: "sam@example.com")
            #expect(try await portal.visit(path, browser: sam).status == .notFound)
            #expect(try await portal.visit(path + "/report.csv", browser: sam).status == .notFound)
            let mo = try await portal.signIn(email: "mo@example.com")
            #expect(try await portal.visit("/accounts/import", browser: mo).status == .forbidden)
            #expect(try await portal.visit("/operators/import", browser: mo).status == .forbidden)
            let accounts = try await portal.visit("/accounts", browser: sam)
            #expect(accounts.text.contains("href=\"/accounts/import\""))
        }
    }

    @Test func aFileThatCannotBeReadIsRefusedNextToTheField() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let utf16 = try await upload(portal, browser: browser, kind: .accounts, contents: Data([0xFF, 0xFE, 0x4E, 0x00, 0x61, 0x00]))
            #expect(utf16.status == .unprocessableEntity)
            #expect(utf16.text.contains("id=\"field-file-error\">The file is UTF-16 text"))
            let empty = try await upload(portal, browser: browser, kind: .accounts, contents: Data("\r\n\r\n".utf8))
            #expect(empty.text.contains("The file has no rows."))
            #expect(try await DataImport.query(on: portal.db).count() == 0)
        }
    }

    @Test func aMappingWithoutTheNeededColumnsIsRefusedNextToEachList() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let browser = try await portal.signIn()
            let uploaded = try await upload(portal, browser: browser, kind: .operators, contents: Data("Who,Where\nAnn,ann@example.com\n".utf8))
            let path = try #require(uploaded.headers.first(name: .location))
            let refused = try await confirmMapping(portal, browser: browser, at: path, fields: [("column_name", "0"), ("column_email", "0")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.text.contains("id=\"field-column_email-error\">This column is already read as Name."))
            #expect(refused.text.contains("id=\"field-column_role-error\">Choose the column with the role."))
            #expect(try #require(try await DataImport.query(on: portal.db).first()).phase == .mapping)
        }
    }

    // MARK: - Operators

    @Test func operatorInvitationsAreSentThroughTheOutboxAtAPace() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let browser = try await portal.signIn()
            var text = "Name,Email,Role,Group,Time zone\n"
            text += "Ann Agent,ann@example.com,Support,,Europe/Paris\n"
            text += "Ben Viewer,ben@example.com,viewer,,\n"
            text += "Ada Again,ada@example.com,Admin,,\n"  // already an operator
            text += "Cy Nobody,cy@example.com,Chief,,\n"  // no such role
            for index in 0..<20 { text += "Person \(index),p\(index)@example.com,Viewer,,\n" }
            let uploaded = try await upload(portal, browser: browser, kind: .operators, contents: Data(text.utf8))
            let path = try #require(uploaded.headers.first(name: .location))
            #expect(try await confirmMapping(portal, browser: browser, at: path).status == .seeOther)
            try await runJob(portal)
            let checked = try await portal.visit(path, browser: browser)
            #expect(checked.text.contains("22 invitations would be sent, 1 would be unchanged; 1 row cannot be imported."))
            #expect(try await Operator.query(on: portal.db).count() == 1)
            _ = try await portal.submit(path + "/start", ["csrf_token": checked.csrfToken ?? ""], browser: browser)
            try await runJob(portal, batchSize: 10)
            let ann = try #require(try await Operator.query(on: portal.db).filter(\.$email == "ann@example.com").with(\.$grants).first())
            #expect(ann.status == .invited && ann.timeZone == "Europe/Paris" && ann.grants.map(\.role) == ["support"])
            let record = try #require(try await DataImport.query(on: portal.db).first())
            let results = try await ImportService.results(record, limit: 100, on: portal.db)
            #expect(results.first { $0.number == 4 }?.outcome == .unchanged)
            #expect(results.first { $0.number == 5 }?.message == "No role is called “Chief”.")
            // Batches after the first wait their turn: 600 a minute, so row 12 onwards a second later.
            let messages = try await OutboundMessage.query(on: portal.db).filter(\.$recipient != "ada@example.com").sort(\.$nextAttemptAt).all()
            #expect(messages.count == 22)
            let first = try #require(messages.first?.nextAttemptAt)
            let last = try #require(messages.last?.nextAttemptAt)
            #expect(last.timeIntervalSince(first) >= 1.5)
            _ = ada
        }
    }

    // MARK: - Stopping and resuming

    @Test func aStoppedImportResumesAfterItsLastRecordedBatchAndNoRowIsImportedTwice() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let actor = try #require(try await AccessLoader.actor(operatorID: ada.requireID(), partnerID: portal.partner.requireID(), on: portal.db))
            var text = "Name,Email\n"
            for index in 0..<25 { text += "Shop \(index),shop\(index)@example.com\n" }
            let record = try await ImportService.upload(.accounts, fileName: "shops.csv", contents: Data(text.utf8), by: actor,
                                                        context: AuditContext(actor: AuditActor(id: ada.requireID(), name: ada.name), ip: "127.0.0.1"),
                                                        baseURL: "https://portal.test", on: portal.db)
            guard case .success = try await ImportService.map(record, mapping: record.mapping, hasHeader: true, check: false, by: actor, on: portal.db)
            else { Issue.record("the mapping was refused"); return }
            // Two runs read the import in the same state, as two instances would after a lost lease:
            // the first records its batch, the second is rolled back whole.
            let id = try record.requireID()
            let stale = try #require(try await DataImport.find(id, on: portal.db))
            let ahead = try #require(try await DataImport.find(id, on: portal.db))
            #expect(try await ImportJob.step(ahead, now: Date(), batchSize: 10, on: portal.db, logger: portal.app.logger) == 10)
            #expect(try await ImportJob.step(stale, now: Date(), batchSize: 10, on: portal.db, logger: portal.app.logger) == 0)
            #expect(try await accountCount(portal) == 10)
            // The next run starts after row 11 (the heading is row 1).
            let resumed = try #require(try await DataImport.find(id, on: portal.db))
            #expect(resumed.cursor == 11 && resumed.done == 10)
            try await runJob(portal, batchSize: 10)
            let done = try #require(try await DataImport.find(id, on: portal.db))
            #expect(done.phase == .done && done.tally.created == 25)
            #expect(try await accountCount(portal) == 25)
            let emails = try await Account.query(on: portal.db).all().map(\.email)
            #expect(Set(emails).count == 25)
            #expect(try await OutboundMessage.query(on: portal.db).count() == 25)
        }
    }

    // MARK: - API

    @Test func theAPIChecksImportsAndReportsEachRow() async throws {
        try await TestPortal.run { portal in
            let ada = try await portal.makeOperator()
            let api = try await portal.api(as: ada)
            func post(_ query: String, _ csv: String) async throws -> TestingHTTPResponse {
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: .authorization, value: "Bearer \(api.token)")
                headers.replaceOrAdd(name: .contentType, value: "text/csv")
                return try await portal.send(.POST, "/api/v1/imports?" + query, headers: headers, body: ByteBuffer(string: csv))
            }
            let csv = "Company,Contact email,Label\nAcme,acme@example.com,vip\nBad,not-an-email,\n"
            // A file name the schema refuses (a control character, or too long) creates nothing.
            let before = try await DataImport.query(on: portal.db).count()
            let control = try await post("kind=operators&dryRun=true&fileName=%C2%BE%01%C3%B7y", csv)
            #expect(control.status == .badRequest && control.text.contains("fileName: remove the control characters."))
            #expect(try await post("kind=accounts&fileName=" + String(repeating: "a", count: 256), csv).status == .badRequest)
            #expect(try await DataImport.query(on: portal.db).count() == before)
            let created = try await post("kind=accounts&dryRun=true&fileName=clients.csv&map=name:Company&map=email:Contact%20email&map=tags:%233", csv)
            #expect(created.status == .accepted)
            let body = try api.object(created)
            #expect(body["phase"] as? String == "checking")
            #expect((body["mapping"] as? [String: String]) == ["name": "Company", "email": "Contact email", "tags": "Label"])
            let id = try #require(body["id"] as? String)
            try await runJob(portal)
            let checked = try api.object(try await api.call(.GET, "/imports/\(id)"))
            #expect(checked["phase"] as? String == "checked" && checked["created"] as? Int == 1 && checked["failed"] as? Int == 1)
            let rows = try api.object(try await api.call(.GET, "/imports/\(id)/rows?problemsOnly=true"))
            let items = try #require(rows["items"] as? [[String: Any]])
            #expect(items.count == 1 && items[0]["row"] as? Int == 3 && items[0]["field"] as? String == "email")
            #expect(try await api.call(.POST, "/imports/\(id)/start").status == .accepted)
            #expect(try await api.call(.POST, "/imports/\(id)/start").status == .conflict)
            try await runJob(portal)
            let done = try api.object(try await api.call(.GET, "/imports/\(id)"))
            #expect(done["phase"] as? String == "done" && done["created"] as? Int == 1)
            #expect(try await Account.query(on: portal.db).filter(\.$name == "Acme").count() == 1)

            // Columns that cannot be told leave the import waiting for them, with the problems by field.
            let unknown = try await post("kind=accounts&map=colour:Company", csv)
            #expect(unknown.status == .accepted)
            let waiting = try api.object(unknown)
            #expect(waiting["phase"] as? String == "mapping")
            #expect((waiting["problems"] as? [String: String])?["map"]?.hasPrefix("colour:Company does not name a field") == true)
            let waitingID = try #require(waiting["id"] as? String)
            let mapped = try await api.call(.POST, "/imports/\(waitingID)/mapping", json: #"{"map":["name:Company","email:#2"],"dryRun":true}"#)
            #expect(mapped.status == .accepted)
            let mappedBody = try api.object(mapped)
            #expect(mappedBody["phase"] as? String == "checking")
            #expect(try await api.call(.POST, "/imports/\(waitingID)/mapping", json: #"{"map":["name:Company"]}"#).status == .conflict)
            let missing = try api.object(try await post("kind=operators", "Name,Email\nAnn,ann@example.com\n"))
            #expect(missing["phase"] as? String == "mapping" && (missing["problems"] as? [String: String])?["role"] == "Choose the column with the role.")
            // A file of blank lines waits for columns it does not have; one that is not UTF-8 text is refused.
            let blank = try api.object(try await post("kind=accounts", "\r\n"))
            #expect(blank["phase"] as? String == "mapping" && blank["total"] as? Int == 0)
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .authorization, value: "Bearer \(api.token)")
            headers.replaceOrAdd(name: .contentType, value: "text/csv")
            let utf16 = try await portal.send(.POST, "/api/v1/imports?kind=accounts", headers: headers, body: ByteBuffer(bytes: [0xFF, 0xFE, 0x41, 0x00]))
            #expect(utf16.status == .badRequest)
            #expect(utf16.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(try await post("kind=accounts&map=name", csv).status == .badRequest)
            #expect(try await api.call(.GET, "/imports/\(UUID().uuidString)").status == .notFound)
            #expect(try await api.call(.GET, "/imports/not-an-id").status == .badRequest)
            #expect(try await DataImport.query(on: portal.db).count() == 4)
        }
    }
}
