import Foundation

enum AuditLogView {
    struct Model: Sendable {
        var entries: [AuditEvent]
        var next: UUID?
        var isFirstPage: Bool
        var typed: [String: String]
        var errors: OperatorInput.Errors
        var operators: [AccountsView.Option]
        var accountLinks: [String: String]
        var mayExport: Bool
        /// Names of the groups and accounts that entries' details refer to by id.
        var names: [String: String] = [:]
        /// What the last verification of the partner's chain of hashes found.
        var chain: Chain? = nil
    }

    /// The partner's chain: its signed head, and the last verification's result.
    struct Chain: Sendable {
        var seq: Int64
        var hash: String
        var signature: String?
        var publicKey: String
        var sealedAt: Date?
        var verifiedAt: Date?
        var verifiedThrough: Date?
        var problem: String?
    }

    private static func when(_ date: Date) -> String { DisplayDate.text(date, .second) }

    /// "Verified intact up to …", or the first entry that was changed, removed or inserted;
    /// with the signed head folded away, for checking an export elsewhere.
    private static func chainStatus(_ chain: Chain?) -> Markup {
        guard let chain else {
            return .p(.class("hint chain-status"), .text("The log's entries are sealed into a chain of hashes within seconds of being written; none has been sealed yet."))
        }
        let status: Markup
        if let problem = chain.problem {
            status = .div(.class("banner danger chain-status"), .attr("role", "alert"),
                          .strong(.text("The audit log was changed after it was written: ")), .text(problem + "."),
                          .unwrap(chain.verifiedAt) { .text(" Found at \(when($0)).") })
        } else if let through = chain.verifiedThrough, let at = chain.verifiedAt {
            status = .p(.class("hint chain-status"),
                        .text("Verified intact up to the entry of \(when(through)) (checked \(when(at))): no entry before it was changed, removed or inserted."))
        } else {
            status = .p(.class("hint chain-status"),
                        .text("Not verified yet: entries are sealed into a chain of hashes within seconds, checked daily and by portal audit verify."))
        }
        return .group(
            status,
            .details(.class("chain-head"),
                     .summary(.text("Check an export yourself")),
                     .p(.text("The export's last columns are what each entry's hash covers; docs/audit-verify.py checks them and their links. "
                              + "The chain's last entry and its signature, which the portal's key makes and nobody can forge:")),
                     .dl(.class("facts"),
                         .dt(.text("Last sealed entry")), .dd(.text("#\(chain.seq)"), .unwrap(chain.sealedAt) { .text(", sealed \(when($0))") }),
                         .dt(.text("Its hash")), .dd(.code(text: chain.hash)),
                         .dt(.text("Signature (Ed25519, base64)")), .dd(.code(text: chain.signature ?? "—")),
                         .dt(.text("Public key (base64)")), .dd(.code(text: chain.publicKey)))))
    }

    static func query(_ typed: [String: String], after: UUID? = nil) -> String {
        var items = ["operator", "account", "action", "from", "to"].compactMap { key in typed[key].flatMap { $0.isEmpty ? nil : "\(key)=\($0.urlQueryEscaped)" } }
        if let after { items.append("after=\(after.uuidString.lowercased())") }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    /// The action filter: families and actions in words; the value sent is the action's code.
    static func actionFilter(typed: String, error: String?) -> Markup {
        let known = Set(AuditWording.families.map(\.code) + AuditWording.actions)
        return .div(.class("field"), .label(.for("field-action"), .text("What happened")),
                    .select(.id("field-action"), .attr("name", "action"),
                            .attr("aria-invalid", error == nil ? nil : "true"),
                            .attr("aria-describedby", error == nil ? nil : "field-action-error"),
                            Forms.option(value: "", label: "Anything", selected: typed.isEmpty),
                            .if(!typed.isEmpty && !known.contains(typed), Forms.option(value: typed, label: AuditWording.label(for: typed), selected: true)),
                            .forEach(AuditWording.families) { Forms.option(value: $0.code, label: $0.label, selected: $0.code == typed) },
                            .forEach(AuditWording.actions) { Forms.option(value: $0, label: AuditWording.label(for: $0), selected: $0 == typed) }),
                    .unwrap(error) { .div(.class("error"), .id("field-action-error"), .text($0)) })
    }

    static func render(_ model: Model) -> Markup {
        func header(_ text: String) -> Markup { .th(.attr("scope", "col"), .text(text)) }
        return .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Audit log")), .p(.text("Everything done in your portal, newest first."))),
                 .if(model.mayExport && model.errors.isEmpty,
                     .a(.class("button secondary"), .href(.site(.auditExport, query: query(model.typed))),
                        .attr("download", "audit-log.csv"), .text("Export CSV")))),
            chainStatus(model.chain),
            .form(.class("card inline-form filters"), .method(.get), .action(SiteURL.audit), .novalidate(),
                  Forms.errorSummary(model.errors.isEmpty ? nil : "Correct the filters marked below."),
                  .div(.class("field"), .label(.for("field-operator"), .text("Operator")),
                       .select(.id("field-operator"), .attr("name", "operator"),
                               .attr("aria-describedby", model.errors["operator"] == nil ? nil : "field-operator-error"),
                               Forms.option(value: "", label: "Anyone", selected: (model.typed["operator"] ?? "").isEmpty),
                               .forEach(model.operators) { Forms.option(value: $0.id, label: $0.label, selected: $0.id == model.typed["operator"]) }),
                       .unwrap(model.errors["operator"]) { .div(.class("error"), .id("field-operator-error"), .text($0)) }),
                  Forms.field(.init(name: "account", label: "Account", value: model.typed["account"] ?? "", error: model.errors["account"],
                                    hint: "Business UID or nickname", autocomplete: "off", required: false)),
                  actionFilter(typed: model.typed["action"] ?? "", error: model.errors["action"]),
                  Forms.field(.init(name: "from", label: "From", type: .date, value: model.typed["from"] ?? "", error: model.errors["from"], required: false)),
                  Forms.field(.init(name: "to", label: "To", type: .date, value: model.typed["to"] ?? "", error: model.errors["to"], required: false)),
                  .button(.class("button secondary"), .type(.submit), .text("Filter"))),
            .if(model.entries.isEmpty,
                .div(.class("card empty"), .h2(.text("No entries match")), .p(.text("Change the filters."))),
                else: .div(.class("table-wrap"), .table(
                    .thead(.tr(header("When"), header("What happened"), header("From"))),
                    .tbody(.forEach(model.entries) { entry in
                        let target: Markup = entry.targetType == "account"
                            ? .unwrap(entry.targetID.flatMap { model.accountLinks[$0] }, { uid in
                                .a(.href(SiteURL.account(uid: uid)), .text(entry.targetLabel)) }, else: .text(entry.targetLabel))
                            : .text(entry.targetLabel)
                        let sentence = AuditSentence(action: entry.action, actor: entry.actorName, targetType: entry.targetType,
                                                     details: entry.details, names: model.names)
                        return .tr(.attr("data-action", entry.action),
                                   .td(.text(DisplayDate.text(entry.at, .second))),
                                   .td(sentence.cell(target: target, reading: .log),
                                       .unwrap(entry.impersonatorName) { .small(.class("hint"), .text(" \($0) was logged in as \(entry.actorName).")) }),
                                   .td(.text(entry.ip.nilIfEmpty ?? "—")))
                    })))),
            .div(.class("pager"),
                 .if(!model.isFirstPage, .a(.class("button secondary"), .href(.site(.audit, query: query(model.typed))), .text("Newest"))),
                 .unwrap(model.next) { next in
                     .a(.class("button secondary"), .attr("rel", "next"),
                        .href(.site(.audit, query: query(model.typed, after: next))), .text("Older entries"))
                 })
        )
    }
}
