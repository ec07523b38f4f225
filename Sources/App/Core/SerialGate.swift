/// Lets one body run at a time, in the order they arrive. (An actor alone does not: another call
/// enters at each of its awaits.)
///
/// For writes to SQLite that span several statements: two such transactions at once would each
/// hold a thread of the blocking pool while one waits for the other's lock, which needs a thread
/// of that pool to finish.
actor SerialGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
