import Fluent
import SQLKit
import Vapor

/// A notice for the next page of this browser session, shown once. Only the server writes
/// one, after a change it made, so no link can put words of its own into a success banner.
enum Flash {
    /// A notice not shown within this time is dropped rather than surprising someone later.
    static let lifetime: TimeInterval = 300
    static let maxLength = 500

    /// Keeps `text` for the session's next page, replacing any notice not shown yet.
    static func set(_ text: String, for request: Request, now: Date = Date()) async throws {
        guard let sessionID = request.sessionID else { return }
        request.signedIn?.noticeWaiting = nil
        let sql = try request.db.sql
        try await sql.delete(from: "flash_notices").where("session_id", .equal, sessionID).run()
        try await sql.insert(into: "flash_notices").columns("session_id", "text", "created_at")
            .values(SQLBind(sessionID), SQLBind(String(text.prefix(maxLength))), SQLBind(now)).run()
    }

    /// The session's notice, once: reading it removes it.
    static func take(from request: Request, now: Date = Date()) async throws -> String? {
        guard let sessionID = request.sessionID, request.signedIn?.noticeWaiting != false else { return nil }
        let sql = try request.db.sql
        let row = try await sql.select().column("text").column("created_at").from("flash_notices")
            .where("session_id", .equal, sessionID).first()
        guard let row else { return nil }
        try await sql.delete(from: "flash_notices").where("session_id", .equal, sessionID).run()
        let created = try row.decode(column: "created_at", as: Date.self)
        guard now.timeIntervalSince(created) <= lifetime else { return nil }
        return try row.decode(column: "text", as: String.self)
    }
}

extension Request {
    /// The browser session behind this request, if it has one (API tokens have none).
    var sessionID: UUID? {
        guard let signedIn, case .session(let id, _) = signedIn.credential else { return nil }
        return id
    }

    /// Redirects to `url` after a change, with `notice` shown once on the page it lands on.
    func redirect(to url: String, notice: String) async throws -> Response {
        // The notice is a courtesy: a change that ended this very session (a new email)
        // still redirects, without one.
        try? await Flash.set(notice, for: self)
        return redirect(to: url, redirectType: .normal)
    }

    /// The notice left for this page by the change that led here.
    func takeNotice() async -> String? {
        try? await Flash.take(from: self)
    }
}
