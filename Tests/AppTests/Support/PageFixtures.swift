@testable import App
import Foundation

/// Every page's view, rendered inside the layout from a model whose every string is `text`.
/// Addresses that must be links (a partner kit link, the logo, the authenticator URI, a
/// `next` path) stay fixed: they are refused when not safe, which the hostile-link test shows.
enum PageFixtures {
    struct Page {
        /// The view function (`Type.function`) this renders.
        let view: String
        let render: @Sendable (String) -> String
    }

    static let date = Date(timeIntervalSince1970: 1_767_225_600)
    static let uuid = UUID(uuidString: "6F1C3A52-1D4B-4F0E-9A43-0B7D2F1E8C11")!

    static func layout(_ text: String) -> LayoutModel {
        LayoutModel(partnerName: text, brandColor: text, logoURL: "https://cdn.example.com/logo.png",
                    viewer: .init(name: text, email: text, impersonator: text, impersonationEnds: date), csrfToken: text,
                    navigation: [.init(title: text, url: .home, isCurrent: true), .init(title: text, url: .accounts, isCurrent: false)])
    }

    static func page(_ text: String, _ content: Markup) -> String {
        Layout.page(title: text, layout: layout(text), nonce: "n0nce", content: content).render()
    }

    /// A workspace page: the same layout in the workspace's frame.
    static func workspacePage(_ text: String, _ content: Markup) -> String {
        var frame = layout(text)
        frame.area = .workspace
        frame.viewer?.impersonator = nil
        return Layout.page(title: text, layout: frame, nonce: "n0nce", content: content).render()
    }

    static func errors(_ text: String, _ names: String...) -> OperatorInput.Errors {
        OperatorInput.Errors(fields: Dictionary(uniqueKeysWithValues: names.map { ($0, text) }))
    }

    static func row(_ text: String) -> AccountDirectory.Row {
        AccountDirectory.Row(id: uuid, businessUID: text, name: text, email: text, nickname: text, groupID: uuid, secure: true, locked: true,
                             setupCompleted: false, isTemplate: true, createdAt: date, lastActivityAt: date, phone: text, ownerName: text,
                             plan: text, staffSlots: 3)
    }

    static func option(_ text: String) -> OperatorsView.Option { .init(id: text, label: text) }

    /// Every task category: one with an account row, an operator row and more than it lists, one empty.
    static func taskSections(_ t: String) -> [TasksView.Model.Section] {
        TaskCategory.allCases.map { category in
            .init(category: category, rule: t, total: category == .lockedAccounts ? 0 : 60,
                  rows: category == .lockedAccounts ? [] : [.init(label: t, email: t, link: .account(uid: t), at: date),
                                                             .init(label: t, email: t, link: .operatorDetail(id: t), at: nil)])
        }
    }

    static let pages: [Page] = [
        Page(view: "HomeView.render") { t in
            page(t, HomeView.render(.init(
                operatorName: t, partnerName: t, tasks: taskSections(t), headerCounts: [.active: 1, .new: 2, .inactive: 3],
                assigned: [.init(name: t, businessUID: t, lastActivityAt: date), .init(name: t, businessUID: t, lastActivityAt: nil)],
                recentAudit: [.init(at: date, actorName: t, impersonatorName: t, action: t, targetLabel: t, accountUID: t),
                              .init(at: date, actorName: t, impersonatorName: nil, action: t, targetLabel: t, accountUID: nil)])))
        },
        Page(view: "TasksView.render") { t in page(t, TasksView.render(.init(sections: taskSections(t)))) },
        Page(view: "OperationsView.render") { t in
            page(t, OperationsView.render(.init(
                jobs: [.init(title: t, name: t, lastRun: date, outcome: .failed, failure: t, nextRun: date, consecutiveFailures: 2, lastDuration: t, items: nil),
                       .init(title: t, name: t, lastRun: nil, outcome: .never, failure: nil, nextRun: nil, consecutiveFailures: 0, lastDuration: nil, items: nil),
                       .init(title: t, name: t, lastRun: date, outcome: .ok, failure: nil, nextRun: date, consecutiveFailures: 0, lastDuration: t, items: 3),
                       .init(title: t, name: t, lastRun: date, outcome: .running, failure: nil, nextRun: date, consecutiveFailures: 0, lastDuration: t, items: 1)],
                backlog: .init(queued: 1, held: 2, failed: 3, oldestQueuedAge: t))))
        },
        Page(view: "ErrorPageView.render") { t in page(t, ErrorPageView.render(status: .notFound, title: t, detail: t)) },
        Page(view: "SignInView.render") { t in
            page(t, SignInView.render(.init(email: t, next: t, error: t, notice: .signedOut), csrfToken: t))
        },
        Page(view: "SignInView.render (blocked)") { t in
            page(t, SignInView.render(.init(email: t, next: t, error: SignInView.blocked(partner: t, admins: [t, t, t, t]), notice: nil), csrfToken: t))
        },
        Page(view: "PasswordResetView.render") { t in
            page(t, PasswordResetView.render(.init(email: t, sent: false, error: t), csrfToken: t))
        },
        Page(view: "PasswordResetView.render (sent)") { t in
            page(t, PasswordResetView.render(.init(email: t, sent: true), csrfToken: t))
        },
        Page(view: "SetupView.render") { t in
            page(t, SetupView.render(.init(purpose: .firstAdmin, name: t, email: t, errors: errors(t, "name", "email", "password")),
                                     action: .setup(token: t), csrfToken: t))
        },
        Page(view: "AccountUserSetupView.render") { t in
            page(t, AccountUserSetupView.render(.init(purpose: .invite, email: t, token: t, errors: errors(t, "password")), csrfToken: t))
        },
        Page(view: "AccountUserSetupView.saved") { t in page(t, AccountUserSetupView.saved(email: t)) },
        Page(view: "SecondFactorView.code") { t in
            page(t, SecondFactorView.code(.init(method: .totp, enrolling: true, destination: t, totpSecret: t,
                                                provisioningURI: "otpauth://totp/Portal:ada?secret=ABC", canResend: true, error: t, notice: t,
                                                issuer: t),
                                          csrfToken: t))
        },
        Page(view: "SecondFactorView.enrol") { t in
            page(t, SecondFactorView.enrol(.init(method: .sms, phone: t, errors: ["phone": t, "method": t]), methods: [.totp, .email, .sms],
                                           email: t, csrfToken: t))
        },
        Page(view: "SecondFactorView.recoveryCodes") { t in
            page(t, SecondFactorView.recoveryCodes([t, t], continueTo: "/profile", download: .init(action: .profileRecoveryCodesFile, sheet: t, csrfToken: t),
                                                   notice: t))
        },
        Page(view: "ProfileView.render") { t in
            page(t, ProfileView.render(.init(name: t, email: t, phone: t, timeZone: t, notifications: .default, secondFactor: .sms,
                                             recoveryCodesLeft: 2, notice: .notifications,
                                             errors: errors(t, "name", "phone", "email", "current_password", "password", "confirm_password")),
                                       csrfToken: t))
        },
        Page(view: "OperatorsView.list") { t in
            page(t, OperatorsView.list(.init(rows: [.init(id: t, name: t, email: t, status: .active, roles: [t, t], lastLoginAt: date)],
                                             counts: [.active: 1, .invited: 2], filter: .init(query: t, status: .active, role: t, group: uuid),
                                             roleOptions: [option(t)], groupOptions: [option(t)], mayInvite: true, notice: .rolesSaved)))
        },
        Page(view: "OperatorsView.list (type-ahead, pages)") { t in
            var model = OperatorsView.ListModel(rows: [.init(id: t, name: t, email: t, status: .active, roles: [t], lastLoginAt: nil)],
                                                counts: [.active: 120], filter: .init(query: t, status: nil, role: t, group: uuid),
                                                roleOptions: [option(t)], groupOptions: [], mayInvite: true, notice: nil)
            model.groupTypeAhead = .some(.init(value: t, label: t))
            model.total = 120
            model.first = 51
            model.previousQuery = "?q=\(t.urlQueryEscaped)"
            model.nextQuery = "?q=\(t.urlQueryEscaped)&page=3"
            return page(t, OperatorsView.list(model))
        },
        Page(view: "FilterChoicesView.render (operators)") { t in
            page(t, FilterChoicesView.render(.init(
                page: .operatorsGroupChoices, list: .operators, title: t, intro: t, noun: t, findLabel: t, find: t, findError: t,
                kept: [.init(name: "q", value: t)], anyLabel: t, anyQuery: "?q=\(t.urlQueryEscaped)", anyIsChosen: false,
                choices: [.init(label: t, query: "?q=\(t.urlQueryEscaped)&group=\(uuid.uuidString.lowercased())", isChosen: true)],
                total: 1, first: 1, previousQuery: nil, nextQuery: "?page=2", backQuery: "?q=\(t.urlQueryEscaped)")))
        },
        Page(view: "OperatorsView.invite") { t in
            page(t, OperatorsView.invite(.init(form: invite(t), errors: errors(t, "name", "email", "phone", "grants", "time_zone"), message: t,
                                               roleOptions: [option(t)], scopeOptions: [option(t)],
                                               timeZone: .init(value: t, error: t, fromBrowser: true)), csrfToken: t))
        },
        Page(view: "OperatorsView.detail") { t in
            page(t, OperatorsView.detail(.init(id: t, name: t, email: t, phone: t, status: .blocked, lastLoginAt: date,
                                               grants: [.init(role: t, scope: t)], grantForm: invite(t), mayEdit: true,
                                               actions: [.init(label: t, path: "/operators/\(uuid)/block", style: t, state: .enabled),
                                                         .init(label: t, path: "/operators/\(uuid)/remove", style: t, state: .disabled(t))],
                                               loginAs: .init(state: .enabled, reasonRequired: true, reason: t, error: t, maxMinutes: 30),
                                               notifications: .default, notice: .profileSaved, message: t, errors: errors(t, "name", "email", "phone"),
                                               roleOptions: [option(t)], scopeOptions: [option(t)],
                                               timeZone: .init(value: t, error: t, fromBrowser: false)), csrfToken: t))
        },
        Page(view: "RolesView.render") { t in
            page(t, RolesView.render(.init(roles: [.init(id: t, name: t, description: t, isBuiltIn: false, secureClearance: true,
                                                         permissions: [.accountView, .auditView], whileInSetup: [.accountView], holders: 2)],
                                           mayManage: true, notice: t), csrfToken: t))
        },
        Page(view: "RoleEditorView.render") { t in
            page(t, RoleEditorView.render(.init(roleID: t, name: t, description: t, permissions: [.accountView], secureClearance: true, error: t),
                                          csrfToken: t))
        },
        Page(view: "GroupsView.render") { t in
            page(t, GroupsView.render(.init(rows: [.init(id: t, name: t, depth: 1, directAccounts: 2, totalAccounts: 3, mayManage: true, whyNotDeletable: t),
                                                   .init(id: t, name: t, depth: 2, directAccounts: 1, totalAccounts: 1, mayManage: true, whyNotDeletable: nil)],
                                            parentOptions: [.init(id: t, label: t)], mayCreateTop: true,
                                            notice: .deletedMoving(accounts: 2, subgroups: 1, into: t), error: t), csrfToken: t))
        },
        Page(view: "GroupsView.rename") { t in
            page(t, Forms.focusingFirstError(GroupsView.rename(.init(id: t, label: t, name: t, error: t), csrfToken: t)))
        },
        Page(view: "GroupsView.move") { t in
            page(t, GroupsView.move(.init(id: t, label: t, targets: [.init(id: t, label: t), .init(id: "other", label: t)], offersTop: true,
                                          currentParent: t), csrfToken: t))
        },
        Page(view: "GroupsView.delete") { t in
            page(t, GroupsView.delete(.init(id: t, label: t, accounts: 3, subgroups: 1, destinations: [.init(id: t, label: t)], mayMoveToTop: true,
                                            chosen: t, blocker: nil, error: t), csrfToken: t))
        },
        Page(view: "SettingsView.render") { t in
            page(t, SettingsView.render(.init(
                security: .init(secondFactor: t, methods: [t], idleTimeout: t, absoluteTimeout: t, impersonationReason: t,
                                impersonationMinutes: t, loginAsConsent: t, loginAsNotice: t, clientAuthenticator: t),
                retentionDays: t, branding: .init(name: t, color: t, logo: .init(summary: t, version: t)),
                domains: [.init(host: t, isCurrent: true), .init(host: t, isCurrent: false)], newHost: t,
                tasks: .init(stuckInSetupDays: t, inactiveDays: t, newAssignmentDays: t, pendingInviteDays: t, screeningNoticeDays: t),
                errors: .init(fields: Dictionary(uniqueKeysWithValues: ["second_factor", "methods", "idle_timeout", "absolute_timeout",
                                                                        "impersonation_reason", "impersonation_minutes", "login_as_consent",
                                                                        "login_as_notice", "client_authenticator"].map { ($0, t) })),
                failedSection: .security, notice: t), csrfToken: t))
        },
        // The same page with the branding form refused (a logo typed before uploads), and with the tasks form refused.
        Page(view: "SettingsView.render, branding refused") { t in
            var model = SettingsView.Model.mock
            model.branding = .init(name: t, color: t, logo: .init(summary: t, version: nil))
            model.errors = .init(fields: ["name": t, "color": t, "logo": t])
            model.failedSection = .branding
            model.notice = t
            return page(t, SettingsView.render(model, csrfToken: t))
        },
        Page(view: "SettingsView.render, tasks refused") { t in
            var model = SettingsView.Model.mock
            (model.branding.name, model.branding.color, model.branding.logo) = (t, t, nil)
            model.tasks = .init(stuckInSetupDays: t, inactiveDays: t, newAssignmentDays: t, pendingInviteDays: t, screeningNoticeDays: t)
            model.errors = .init(fields: Dictionary(uniqueKeysWithValues: ["task_stuck_in_setup_days", "task_inactive_days", "task_new_assignment_days",
                                                                           "task_pending_invite_days", "task_screening_notice_days"].map { ($0, t) }))
            model.failedSection = .tasks
            model.notice = t
            return page(t, SettingsView.render(model, csrfToken: t))
        },
        // The frame with an uploaded logo, whose version is written into its address.
        Page(view: "Layout.page, uploaded logo") { t in
            var frame = layout(t)
            frame.logoVersion = t
            return Layout.page(title: t, layout: frame, nonce: "n0nce", content: .p(.text(t))).render()
        },
        Page(view: "TokenSettingsView.render") { t in
            page(t, TokenSettingsView.render(.init(
                tokens: [.init(id: t, name: t, owner: t, isOwn: true, createdAt: date, expiresAt: date, lastUsedAt: date, isExpired: false),
                         .init(id: t, name: t, owner: t, isOwn: false, createdAt: date, expiresAt: date, lastUsedAt: nil, isExpired: true)],
                showsEveryone: true, maxDays: 365, defaultDays: 90, draft: .init(name: t, days: t), createRefusal: nil,
                errors: .init(fields: ["name": t, "expires_in_days": t]), created: .init(name: t, value: t, expiresAt: date), notice: t),
                csrfToken: t))
        },
        Page(view: "PartnerKitView.render") { t in
            page(t, PartnerKitView.render(.init(
                items: [.init(id: t, title: t, summary: t, kind: .link, href: "https://brand.example.com/guide", fileName: nil, contentType: nil,
                              size: nil, addedBy: t, addedAt: date),
                        .init(id: t, title: t, summary: t, kind: .file, href: "/partner-kit/x/file", fileName: t, contentType: t, size: t,
                              addedBy: t, addedAt: date)],
                nextPage: "/partner-kit?after=\(uuid)", isFirstPage: false, mayManage: true,
                linkDraft: .init(title: t, description: t, url: t), linkErrors: .init(fields: ["title": t, "url": t]),
                fileDraft: .init(title: t, description: t, url: t), fileErrors: .init(fields: ["title": t, "file": t]), notice: t),
                csrfToken: t))
        },
        Page(view: "WorkspaceView.signIn") { t in
            workspacePage(t, WorkspaceView.signIn(.init(partnerName: t, email: t, error: t), csrfToken: t))
        },
        Page(view: "WorkspaceView.forgot") { t in
            workspacePage(t, WorkspaceView.forgot(.init(email: t, sent: true, error: t), csrfToken: t))
        },
        Page(view: "WorkspaceView.dashboard") { t in
            workspacePage(t, WorkspaceView.dashboard(.init(accountName: t, userName: t, role: .owner, inSetup: true,
                                                           steps: [.init(code: t, title: t, doneAt: t), .init(code: t, title: t, doneAt: nil)],
                                                           weeks: [.init(label: t, bookings: 3, payments: 1)], bookings: 3, payments: 1,
                                                           paymentTotals: [t], pageKey: t, embedSnippet: t), csrfToken: t))
        },
        Page(view: "BusinessPageView.render") { t in
            var frame = layout(t)
            frame.area = .workspace
            frame.viewer = nil
            frame.navigation = []
            frame.publicPage = .init(home: .businessPage(key: t), noindex: true)
            let model = BusinessPageView.Model(
                key: t, name: t, description: [t, t], openingHours: [t, t], services: ["\(t) 1", "\(t) 2"], address: t, phone: t,
                locations: [.init(name: t, address: t)], notice: .bookingSent,
                booking: .init(service: t, name: t, email: t, date: t, time: t, note: t), bookingErrors: errors(t, "service", "client_name", "date", "time"),
                contact: .init(name: t, email: t, message: t), contactErrors: errors(t, "name", "email", "message"), refusal: t)
            return Layout.page(title: t, layout: frame, nonce: "n0nce", content: BusinessPageView.render(model)).render()
        },
        Page(view: "WorkspaceView.profile") { t in
            workspacePage(t, WorkspaceView.profile(.init(input: .init(name: t, phone: t, address: t, description: t, openingHours: t,
                                                                      services: t, brandColor: t, logoURL: t),
                                                         errors: errors(t, "name", "logo_url", "services"), readOnlyReason: t), csrfToken: t))
        },
        Page(view: "WorkspaceView.staff") { t in
            workspacePage(t, WorkspaceView.staff(.init(people: [.init(id: t, name: t, email: t, isOwner: true, isInvited: false),
                                                                .init(id: t, name: t, email: t, isOwner: false, isInvited: true)],
                                                       slots: 2, form: .init(name: t, email: t), errors: errors(t, "name", "email"),
                                                       message: t, readOnlyReason: nil, notice: t), csrfToken: t))
        },
        Page(view: "WorkspaceView.password") { t in
            workspacePage(t, WorkspaceView.password(.init(mustChange: true, errors: errors(t, "current_password", "password")), csrfToken: t))
        },
        Page(view: "BookingsView.bookings") { t in
            let row = BookingsView.BookingsModel.Row(id: t, time: t, service: t, clientName: t, clientEmail: t, status: .noShow, note: t)
            let model = BookingsView.BookingsModel(showingPast: false, days: [.init(label: t, rows: [row, row])],
                                                   form: .init(service: t, clientName: t, clientEmail: t, at: t, note: t, status: t),
                                                   errors: errors(t, "service", "client_name", "client_email", "at", "status", "note"), message: t)
            var past = model
            past.showingPast = true
            return workspacePage(t, .group(BookingsView.bookings(model, csrfToken: t), BookingsView.bookings(past, csrfToken: t)))
        },
        Page(view: "BookingsView.payments") { t in
            workspacePage(t, BookingsView.payments(.init(
                rows: [.init(id: t, time: t, amount: t, method: .transfer, status: .refunded)], totals: [.init(currency: t, paid: t, pending: t, refunded: t)],
                totalsPeriod: t, form: .init(amount: t, currency: t, method: t, status: t, at: t),
                errors: errors(t, "amount", "currency", "method", "status", "at"), message: t), csrfToken: t))
        },
        Page(view: "WorkspaceTwoFactorView.code") { t in
            workspacePage(t, WorkspaceTwoFactorView.code(.init(partnerName: t, error: t), csrfToken: t))
        },
        Page(view: "WorkspaceTwoFactorView.security") { t in
            let enrolled = WorkspaceTwoFactorView.SecurityModel(enrolledAt: t, recoveryCodesLeft: 2, required: true, pendingSecret: nil, provisioningURI: nil,
                                                                codeError: t, passwordError: t, notice: t, readOnlyReason: nil)
            let pending = WorkspaceTwoFactorView.SecurityModel(enrolledAt: nil, recoveryCodesLeft: 0, required: true, pendingSecret: t,
                                                               provisioningURI: "otpauth://totp/Acme:felix?secret=K", codeError: t, passwordError: nil,
                                                               notice: nil, readOnlyReason: nil, issuer: t)
            var supported = pending
            supported.readOnlyReason = t
            return workspacePage(t, .group(WorkspaceTwoFactorView.security(enrolled, csrfToken: t), WorkspaceTwoFactorView.security(pending, csrfToken: t),
                                           WorkspaceTwoFactorView.security(supported, csrfToken: t)))
        },
        Page(view: "ConfirmationView.page") { t in
            page(t, ConfirmationView.page(.init(question: t, consequence: t, confirmLabel: t, action: .operatorAction(id: t, action: .block),
                                                cancel: .operatorDetail(id: t), carried: [.init(name: "method", value: t)]), csrfToken: t))
        },
        Page(view: "UnsubscribeView.confirm") { t in page(t, UnsubscribeView.confirm(.init(partnerName: t, email: t, action: .unsubscribe(token: t)))) },
        Page(view: "UnsubscribeView.done") { t in page(t, UnsubscribeView.done(.init(partnerName: t, email: t, action: .unsubscribe(token: t)))) },
        Page(view: "MailboxView.render") { t in
            page(t, MailboxView.render(.init(messages: [.init(channel: t, recipient: t, subject: t, body: t + " https://portal.test/setup/abc " + t,
                                                              sentAt: date)])))
        },
        Page(view: "AuditLogView.render") { t in
            let entry = AuditEvent(partnerID: uuid, actorID: uuid, actorName: t, action: t, targetType: "account", targetID: t, targetLabel: t,
                                   details: t, ip: t, at: date, impersonator: .init(id: uuid, name: t))
            let known = AuditEvent(partnerID: uuid, actorID: uuid, actorName: t, action: "operator.grants-changed", targetType: "operator", targetID: t,
                                   targetLabel: t, details: "grants: \(t)@group:\(uuid.uuidString.lowercased()) → \(t)@all", ip: t, at: date)
            return page(t, AuditLogView.render(.init(entries: [entry, known], next: uuid, isFirstPage: false,
                                                     typed: ["operator": t, "account": t, "action": t, "from": t, "to": t],
                                                     errors: errors(t, "operator", "account", "action", "from", "to"),
                                                     operators: [.init(id: t, label: t)], accountLinks: [t: t], mayExport: true,
                                                     names: [uuid.uuidString.lowercased(): t],
                                                     chain: .init(seq: 7, hash: t, signature: t, publicKey: t, sealedAt: date, verifiedAt: date,
                                                                  verifiedThrough: nil, problem: t))))
        },
        Page(view: "AccountsView.list") { t in
            page(t, AccountsView.list(.init(filter: .init(search: t, status: .active, locked: true, setupCompleted: false, secure: true, template: false,
                                                          groupID: uuid, mine: true, tag: t, plan: t, operatorID: uuid),
                                            counts: [.active: 1, .new: 2, .inactive: 3], rows: [row(t)], next: uuid, isFirstPage: false,
                                            groupPaths: GroupPaths(rows: [(id: uuid, name: t, path: "/\(uuid.uuidString.lowercased())/")]),
                                            offersGroupFilter: true, planOptions: [t], assignee: FilterChoice(id: uuid, label: t),
                                            mayCreate: true, mayExport: true, bulk: bulkToolbar(t), notice: t,
                                            total: 2_000, start: 51, previous: uuid, hiddenSecure: 3, now: date), csrfToken: t))
        },
        Page(view: "AccountsView.list, a filter value not valid") { t in
            page(t, AccountsView.list(.init(filter: .init(search: t, locked: true, groupID: uuid, mine: true, plan: t, operatorID: uuid),
                                            counts: [:], rows: [], next: nil, isFirstPage: true,
                                            groupPaths: GroupPaths(rows: [(id: uuid, name: t, path: "/\(uuid.uuidString.lowercased())/")]),
                                            offersGroupFilter: true, planOptions: [t], assignee: FilterChoice(id: uuid, label: t),
                                            mayCreate: true, mayExport: true, bulk: bulkToolbar(t), notice: t,
                                            errors: ["q": t, "status": t, "tag": t, "sort": t], rejected: ["q": t, "status": t, "tag": t, "sort": t],
                                            hiddenSecure: 1, now: date), csrfToken: t))
        },
        Page(view: "FilterChoicesView.render") { t in
            page(t, FilterChoicesView.render(.init(
                page: .accountsGroupChoices, title: t, intro: t, noun: t, findLabel: t, find: t, findError: t, kept: [.init(name: t, value: t)],
                anyLabel: t, anyQuery: "?q=\(t.urlQueryEscaped)", anyIsChosen: false,
                choices: [.init(label: t, query: "?group=\(t.urlQueryEscaped)", isChosen: true), .init(label: t, query: "?q=\(t.urlQueryEscaped)", isChosen: false)],
                total: 250, first: 101, previousQuery: "?find=\(t.urlQueryEscaped)", nextQuery: "?find=\(t.urlQueryEscaped)&page=3", backQuery: "?q=\(t.urlQueryEscaped)")))
        },
        Page(view: "BulkView.progress") { t in
            page(t, BulkView.progress(.init(id: t, title: t, state: .running, total: 10_000, done: 412, refused: 3, summary: t, startedAt: date,
                                            finishedAt: date)))
        },
        Page(view: "TemplateView.push") { t in
            page(t, TemplateView.push(.init(
                uid: t, name: t,
                contents: .init(plan: t, staffSlots: 3, tags: [t], brandColor: t, logoURL: t, description: t, openingHours: t,
                                services: t, steps: [.init(code: t, title: t, chosen: true)], mayEdit: true,
                                errors: .init(fields: ["brand_color": t, "services": t])),
                parts: [.init(part: .tags, chosen: true, changing: 2), .init(part: .branding, chosen: false, changing: 0)],
                accountsTotal: 300, allAccounts: false, accounts: [.init(uid: t, name: t, chosen: true)],
                lines: [.init(id: UUID(), businessUID: t, name: t, changes: [.init(part: .tags, field: t, before: t, after: t)], refusal: nil),
                        .init(id: UUID(), businessUID: t, name: t, changes: [], refusal: t)],
                changing: 2, refused: 1, error: t, notice: t), csrfToken: t))
        },
        Page(view: "TemplateView.progress") { t in
            page(t, TemplateView.progress(.init(id: t, templateName: t, templateUID: t, state: .running, total: 100, done: 40, refused: 2, summary: t,
                                                refusedAccounts: [.init(accountID: UUID(), accountName: t, outcome: .refused, message: t)], refreshes: true)))
        },
        Page(view: "ImportView.new") { t in
            page(t, ImportView.new(.init(kind: .accounts, error: t, recent: [.init(id: t, fileName: t, status: t, createdAt: date)]), csrfToken: t))
        },
        Page(view: "ImportView.show") { t in
            page(t, ImportView.show(importPage(t, phase: .mapping), csrfToken: t))
        },
        Page(view: "ImportView.show") { t in
            page(t, ImportView.show(importPage(t, phase: .checked), csrfToken: t))
        },
        Page(view: "ImportView.show") { t in
            page(t, ImportView.show(importPage(t, phase: .importing), csrfToken: t))
        },
        Page(view: "ImportView.show") { t in
            page(t, ImportView.show(importPage(t, phase: .failed), csrfToken: t))
        },
        Page(view: "BulkView.confirmLock") { t in
            page(t, BulkView.confirmLock(.init(count: 12, matching: true, query: "?tag=" + t.urlQueryEscaped, form: bulkForm(t), pageUIDs: [t]),
                                         csrfToken: t))
        },
        Page(view: "BulkView.choose") { t in
            page(t, BulkView.choose(.init(field: .group, form: bulkForm(t), pageUIDs: [t], query: "?tag=" + t.urlQueryEscaped, find: t, findError: t,
                                          error: t, choices: [.init(value: t, label: t), .init(value: t + "2", label: t)], total: 250),
                                    csrfToken: t))
        },
        Page(view: "AccountsView.new") { t in
            page(t, AccountsView.new(.init(name: t, email: t, ownerName: t, phone: t, group: t, template: t, secure: true,
                                           groupOptions: [.init(id: t, label: t)], templateOptions: [.init(id: t, label: t)], mayMarkSecure: true,
                                           errors: errors(t, "name", "email", "owner_name", "phone", "group", "template"), message: t), csrfToken: t))
        },
        Page(view: "AccountPageView.business") { t in
            account(t, .business, AccountPageView.business(row(t), .init(
                email: t, phone: t, ownerName: t, address: t, plan: t, group: t, template: t, editState: .enabled, tags: [t, t], tagState: .enabled,
                notes: [.init(author: t, body: t, at: date)], noteState: .disabled(t), locations: [.init(id: t, name: t, address: t)], description: t, openingHours: t,
                services: [t, t]),
                form: form(t), csrfToken: t))
        },
        Page(view: "AccountPageView.activity") { t in
            account(t, .activity, AccountPageView.activity(row(t), .init(
                summary: .init(weeks: [.init(start: date, bookings: 3, payments: 1), .init(start: date, bookings: 0, payments: 2)],
                               paymentTotals: [.init(currency: "EUR", amountMinor: 1250)], stepsDone: [t: date], sites: [site(t)]),
                steps: [.init(code: t, title: t)], setupCompleted: false, completeSetupState: .enabled), csrfToken: t))
        },
        Page(view: "AccountPageView.subscription") { t in
            account(t, .subscription, AccountPageView.subscription(row(t), .init(plan: t, staffSlots: 3, staffCount: 1,
                                                                                   plans: [.init(name: t, staffSlots: 3)], state: .enabled),
                                                                   form: form(t), csrfToken: t))
        },
        Page(view: "AccountPageView.staff") { t in
            account(t, .staff, AccountPageView.staff(row(t), .init(users: [.init(id: t, name: t, email: t, isOwner: false, status: t, loginAs: .enabled),
                                                                            .init(id: t, name: t, email: t, isOwner: true, status: t, loginAs: .disabled(t))],
                                                                     staffSlots: 3, state: .enabled, loginAsReasonRequired: true), form: form(t), csrfToken: t))
        },
        Page(view: "AccountPageView.history") { t in
            account(t, .history, AccountPageView.history([.init(action: t, actor: t, onBehalfOf: t, details: t, at: date),
                                                          .init(action: "account.moved", actor: t, onBehalfOf: nil, details: "group: \(t) → \(t)", at: date),
                                                          .init(action: "account.tag-added", actor: t, onBehalfOf: nil, details: "tag: \(t)\nnote: \(t)", at: date)],
                                                         retentionDays: 30))
        },
        Page(view: "AccountPageView.account") { t in
            account(t, .account, AccountPageView.account(row(t), .init(
                controls: [.init(label: t, value: t, button: .lock, state: .enabled), .init(label: t, value: t, button: .markSecure, state: .disabled(t))],
                nickname: t, nicknameState: .enabled, operators: [.init(id: t, name: t, assigned: true)], assignmentState: .enabled,
                groupID: t, groups: [.init(id: t, label: t)], moveState: .enabled, resetState: .enabled, ownerEmail: t,
                resetResult: .link(t)), form: form(t), csrfToken: t))
        },
        Page(view: "AccountPageView.account (type-aheads)") { t in
            var model = AccountPageView.AccountControls(
                controls: [], nickname: t, nicknameState: .enabled, operators: [.init(id: t, name: t, assigned: true)], assignmentState: .enabled,
                groupID: t, groups: [], moveState: .enabled, resetState: .enabled, ownerEmail: t, resetResult: nil)
            model.everyOperatorListed = false
            model.everyGroupListed = false
            model.groupLabel = t
            return account(t, .account, AccountPageView.account(row(t), model, form: form(t), csrfToken: t))
        },
        Page(view: "SupportAccessView.reason") { t in
            page(t, SupportAccessView.reason(.init(accountName: t, userName: t, standing: t, action: .accountLoginAs(uid: t), back: .account(uid: t),
                                                   minutes: 60, reason: t, error: t), csrfToken: t))
        },
        Page(view: "SupportAccessView.page") { t in
            supportedWorkspacePage(t, SupportAccessView.page(.init(
                partnerName: t, consentRequired: true, grantState: .allow,
                grants: [.init(id: t, grantedBy: t, grantedAt: date, until: date, inForce: true, revoked: nil),
                         .init(id: t, grantedBy: t, grantedAt: date, until: nil, inForce: false, revoked: t)],
                visits: [.init(operatorName: t, asName: t, startedAt: date, ended: t, reason: t)], notice: t), csrfToken: t))
        },
        Page(view: "MessagesView.inbox") { t in
            workspacePage(t, MessagesView.inbox(.init(conversations: [conversation(t)], screening: t)))
        },
        Page(view: "MessagesView.thread") { t in
            workspacePage(t, MessagesView.thread(.init(conversationID: t, customerName: t, customerEmail: t, lines: messageLines(t), reply: t,
                                                       errors: errors(t, "message"), screening: t), csrfToken: t))
        },
        Page(view: "MessagesView.announcements") { t in
            workspacePage(t, MessagesView.announcements(.init(subject: t, body: t, errors: errors(t, "subject", "message"), customers: 2,
                                                              sent: [.init(subject: t, body: t, author: t, recipients: 2, at: date)], screening: t),
                                                        csrfToken: t))
        },
        Page(view: "AccountMessagesView.tab") { t in
            account(t, .messages, AccountMessagesView.tab(row(t), .init(
                conversations: [conversation(t)], selected: .init(id: t, customerName: t, customerEmail: t, lines: messageLines(t)),
                replyState: .enabled, screening: t), form: .init(values: ["message": t], errors: errors(t, "message")), csrfToken: t))
        },
    ]

    /// A workspace page while an operator is logged in as its user: the support banner.
    static func supportedWorkspacePage(_ text: String, _ content: Markup) -> String {
        var frame = layout(text)
        frame.area = .workspace
        frame.viewer?.standing = text
        return Layout.page(title: text, layout: frame, nonce: "n0nce", content: content).render()
    }

    static func conversation(_ t: String) -> MessagesView.ConversationRow {
        .init(id: t, customerName: t, customerEmail: t, lastMessageAt: date, unread: true)
    }

    static func messageLines(_ t: String) -> [MessagesView.Line] {
        [.init(inbound: true, author: t, body: t, at: date, channel: t), .init(inbound: false, author: t, body: t, at: date, channel: t)]
    }

    /// View functions that are parts of the pages above, not pages of their own.
    static let partsOfPages: [String: String] = [
        "BulkView.toolbar": "AccountsView.list",
        "BulkView.operations": "AccountsView.list",
        "BulkView.selectAllOnPage": "AccountsView.list",
        "BulkView.checkbox": "AccountsView.list",
        "OperatorsView.grantRows": "OperatorsView.invite",
        "TimeZoneField.field": "OperatorsView.invite",
        "OperatorsView.statusBadge": "OperatorsView.list",
        "ProfileView.notificationFields": "ProfileView.render",
        "SecondFactorView.authenticatorKey": "SecondFactorView.code",
        "QRCodeView.svg": "SecondFactorView.code",
        "AccountsView.badges": "AccountsView.list",
        "FilterPicker.field": "AccountsView.list",
        "AccountPageView.page": "AccountPageView.business",
        "AuditLogView.actionFilter": "AuditLogView.render",
        "AccountPageView.disabledButton": "AccountPageView.account",
        "AccountPageView.loginAsButton": "AccountPageView.business",
        "ActivityChart.chart": "AccountPageView.activity",
        "MessagesView.conversationList": "MessagesView.inbox",
        "MessagesView.lines": "MessagesView.thread",
        "TasksView.counts": "TasksView.render",
    ]

    /// The bulk control after an error: every field kept, each with its message, a row ticked
    /// and one ticked on another page, and a change under way.
    static func importPage(_ t: String, phase: DataImport.Phase) -> ImportView.Page {
        ImportView.Page(id: t, kind: .operators, fileName: t, phase: phase, total: 120, done: 40, tally: .init(created: 30, updated: 5, unchanged: 2, failed: 3),
                        error: t, createdAt: date, hasHeader: true, columns: [t, t + "2"], sample: [[t, t], [t]],
                        fields: [.init(field: .name, label: t, hint: t, column: 0, required: true, error: t),
                                 .init(field: .email, label: t, hint: "", column: nil, required: false, error: nil)],
                        mappingError: t, problems: [.init(number: 3, outcome: .failed, field: .name, message: t, reference: t)],
                        problemCount: 3, refreshes: true)
    }

    static func bulkToolbar(_ t: String) -> BulkView.Toolbar {
        BulkView.Toolbar(actions: BulkAction.allCases, form: bulkForm(t), errors: errors(t, "accounts", "action", "tag", "operator", "group"),
                         operations: [.init(id: uuid, title: t, status: t, isFinished: false), .init(id: uuid, title: t, status: t, isFinished: true)],
                         chosenOperator: .init(value: t, label: t), chosenGroup: .init(value: t, label: t))
    }

    static func bulkForm(_ t: String) -> BulkView.Form {
        BulkView.Form(action: t, tag: t, operatorID: t, group: t, matching: true, pageAll: true, selected: [t, t + "-elsewhere"])
    }

    static func invite(_ t: String) -> OperatorsView.InviteForm {
        var form = OperatorsView.InviteForm(grants: [(t, t)])
        form.name = t; form.email = t; form.phone = t
        return form
    }

    static func form(_ t: String) -> AccountPageView.Form {
        AccountPageView.Form(values: ["form": "details", "name": t, "email": t, "body": t, "tag": t, "nickname": t, "name_location": t],
                             errors: errors(t, "name", "email", "phone", "body", "tag", "nickname", "address", "plan", "group"))
    }

    static func site(_ t: String) -> AccountSite {
        let site = AccountSite()
        site.id = uuid; site.partnerID = uuid; site.accountID = uuid
        site.host = t; site.firstSeenAt = date; site.lastSeenAt = date
        return site
    }

    static func account(_ t: String, _ tab: AccountPageView.Tab, _ body: Markup) -> String {
        page(t, AccountPageView.page(.init(row: row(t), tabs: AccountPageView.Tab.allCases, current: tab, notice: t, message: t,
                                           loginAs: .init(ownerName: t, state: .enabled, reasonRequired: true, consent: t)),
                                     body: body, csrfToken: t))
    }
}
