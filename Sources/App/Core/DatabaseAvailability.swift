import FluentPostgresDriver
import Foundation
import NIOCore
import NIOPosix

/// Errors that mean the database cannot be reached right now (stopped, restarting, every
/// connection busy), as opposed to a fault in the request or the code. They are answered
/// 503 with `Retry-After`, so that a client or a proxy tries again instead of seeing a 500.
enum DatabaseAvailability {
    /// Seconds a client is asked to wait before trying again.
    static let retryAfterSeconds = 5

    static func isUnavailable(_ error: any Error) -> Bool {
        if let psql = error as? PSQLError {
            switch psql.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                // Class 08: connection exception; 57P01–57P03: shut down, crash, starting up;
                // 53300: too many connections.
                let state = psql.serverInfo?[.sqlState] ?? ""
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
            default:
                return false
            }
        }
        if error is NIOConnectionError { return true }
        if let channel = error as? ChannelError {
            switch channel {
            case .ioOnClosedChannel, .alreadyClosed, .eof, .connectTimeout: return true
            default: return false
            }
        }
        if let io = error as? IOError {
            return [ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH].contains(io.errnoCode)
        }
        // AsyncKit's `ConnectionPoolTimeoutError`: no connection came free in time.
        return String(reflecting: type(of: error)).hasSuffix("ConnectionPoolTimeoutError")
    }
}
