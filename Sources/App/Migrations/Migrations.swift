import Fluent

/// Every migration in the order it runs. A landed migration is never edited: a change to
/// the schema is a new file here.
enum PortalMigrations {
    static let all: [any Migration] = [
        CreatePartners(),
        CreateOperators(),
        CreateSessions(),
        CreateTokens(),
        CreateAccessModel(),
        CreateOutbox(),
        CreateAuditEvents(),
        AddNotificationPreferences(),
        AddAccountVisibilityIndex(),
        AddSecondFactorAndImpersonation(),
        CreatePartnerKit(),
        AddAccountDetails(),
        CreateAccountTagsAndNotes(),
        CreateAccountWorkspaceRecords(),
        AddAccountSearchIndex(),
        CreateSecondFactorGuards(),
        AddTokenExpiryAndAuditSubjects(),
        CreateFlashNotices(),
        AddOutboundMessageAccount(),
        AddWorkspaceSessionFields(),
        AddBusinessProfile(),
        CreateAccountMessages(),
        AddBookingDetailsAndClientTwoFactor(),
        CreateClientLoginAs(),
        CreateBusinessPageSubmissions(),
        AddPlanAndStepRetirement(),
        AddAssignmentTimesAndTaskIndexes(),
        CreateScheduledJobs(),
        CreateDigestDeliveries(),
        AddPartnerLogoAndTaskThresholds(),
        CreatePasswordResetRequests(),
        CreateBulkOperations(),
        AddShortSearchIndex(),
        AddAuditChain(),
        CreateImports(),
        CreateTemplatePushes(),
    ]
}
