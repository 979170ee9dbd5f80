import Foundation
import GRDB
import GridwiseCore

/// Fetched provider points in an embedded SQLite file, keyed by source, zone, signal and time.
///
/// Each row keeps when it was fetched and whether it was a forecast, so a later run can tell fresh
/// values from stale ones and `--offline` can say how old the data it plans on is.
public final class SignalCache: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var opened: DatabaseQueue?

    /// The default file: `$XDG_CACHE_HOME/gridwise/signals.sqlite`, else `~/.cache/gridwise/signals.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return base + "/gridwise/signals.sqlite"
    }

    /// Records where the cache lives; the file is created when first used, so runs without providers leave no file.
    public init(path: String) {
        self.path = path
    }

    func database() throws(GridwiseError) -> DatabaseQueue {
        lock.lock()
        defer { lock.unlock() }
        if let opened { return opened }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let database = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.create(table: "signal_point") { t in
                    t.column("source_key", .text).notNull()
                    t.column("zone", .text).notNull()
                    t.column("signal", .text).notNull()
                    t.column("time", .integer).notNull()
                    t.column("seconds", .integer).notNull()
                    t.column("value", .double).notNull()
                    t.column("forecast", .boolean).notNull()
                    t.column("fetched_at", .integer).notNull()
                    t.primaryKey(["source_key", "zone", "signal", "time"])
                }
            }
            try migrator.migrate(database)
            opened = database
            return database
        } catch {
            throw .cannotWrite(path: path, reason: "cannot open the signal cache: \(error)")
        }
    }

    public struct Row: Sendable, Equatable {
        public var point: SignalPoint
        public var forecast: Bool
        public var fetchedAt: Instant
    }

    /// Replaces the points in `[from, to)` for the key with these.
    public func store(key: String, zone: String, signal: SignalKind, from: Instant, to: Instant, points: [SignalPoint], forecast: Bool, fetchedAt: Instant) throws(GridwiseError) {
        let database = try self.database()
        do {
            try database.write { db in
                try db.execute(sql: "DELETE FROM signal_point WHERE source_key = ? AND zone = ? AND signal = ? AND time >= ? AND time < ?",
                               arguments: [key, zone, signal.rawValue, from.secondsSinceEpoch, to.secondsSinceEpoch])
                for p in points {
                    try db.execute(sql: "INSERT OR REPLACE INTO signal_point (source_key, zone, signal, time, seconds, value, forecast, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [key, zone, signal.rawValue, p.time.secondsSinceEpoch, p.seconds, p.value, forecast, fetchedAt.secondsSinceEpoch])
                }
            }
        } catch {
            throw .cannotWrite(path: path, reason: "cannot write the signal cache: \(error)")
        }
    }

    /// The points for the key whose time falls in `[from, to)`, in time order.
    public func load(key: String, zone: String, signal: SignalKind, from: Instant, to: Instant) throws(GridwiseError) -> [Row] {
        let database = try self.database()
        return (try? database.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT time, seconds, value, forecast, fetched_at FROM signal_point WHERE source_key = ? AND zone = ? AND signal = ? AND time >= ? AND time < ? ORDER BY time",
                                  arguments: [key, zone, signal.rawValue, from.secondsSinceEpoch, to.secondsSinceEpoch])
                .map { row in
                    Row(point: SignalPoint(time: Instant(secondsSinceEpoch: row["time"]), seconds: row["seconds"], value: row["value"]),
                        forecast: row["forecast"], fetchedAt: Instant(secondsSinceEpoch: row["fetched_at"]))
                }
        }) ?? []
    }
}

/// How a run may use providers.
public enum LiveMode: Sendable, Equatable {
    /// Fresh cached values are used; stale or missing ones are fetched and stored.
    case online
    /// Only the cache: nothing is fetched; the plan says how old the values are.
    case offline
}

/// A provider behind the cache: fresh cached values first, then the provider, then (if the provider
/// fails) stale cached values, each use stated in the provenance.
public struct CachedSource: SignalSource {
    public let live: ProviderSource
    public let cache: SignalCache
    public let mode: LiveMode

    public init(live: ProviderSource, cache: SignalCache, mode: LiveMode) {
        self.live = live
        self.cache = cache
        self.mode = mode
    }

    public var name: String { live.name }

    /// One key per provider, endpoint and options: the same zone from two providers never mixes.
    var key: String {
        let s = live.spec
        return [s.kind.rawValue, s.baseURL ?? "default", s.zone ?? live.entry.zone, s.signalType, s.emissionFactor ?? "", s.regionID.map(String.init) ?? ""].joined(separator: "|")
    }

    /// Hours a cached value stays fresh: the spec's `cache_ttl`, else 1 h for forecasts and 24 h for actuals.
    func ttlHours(forecast: Bool) -> Double { live.spec.cacheTTLHours ?? (forecast ? 1 : 24) }

    public func fetch(_ request: SignalRequest) throws(GridwiseError) -> SourceAnswer {
        let now = live.context.now
        let rows = try cache.load(key: key, zone: request.zone, signal: request.signal, from: request.horizon.start.adding(hours: -1), to: request.horizon.end)
        let covered = !HourlyAggregation.hourly(rows.map(\.point), horizon: request.horizon).contains { $0 == nil }
        let fresh = covered && rows.allSatisfy { now.hours(since: $0.fetchedAt) <= ttlHours(forecast: $0.forecast) }
        if mode == .offline || fresh {
            guard !rows.isEmpty else {
                throw .sourceUnavailable(source: name, zone: request.zone, reason: "offline, and the cache \(cache.path) holds nothing for this zone and horizon")
            }
            return answer(from: rows, request: request, why: mode == .offline ? "offline" : "cached")
        }
        do {
            let answer = try live.fetch(request)
            try cache.store(key: key, zone: request.zone, signal: request.signal, from: request.horizon.start, to: request.horizon.end,
                            points: answer.points, forecast: answer.provenance.forecast, fetchedAt: now)
            return answer
        } catch {
            guard case .sourceUnavailable = error, !rows.isEmpty else { throw error }
            return answer(from: rows, request: request, why: "the live fetch failed (\(error.shortReason)); stale cache")
        }
    }

    func answer(from rows: [SignalCache.Row], request: SignalRequest, why: String) -> SourceAnswer {
        let oldest = rows.map(\.fetchedAt).min()!
        let age = live.context.now.hours(since: oldest)
        var provenance = SeriesProvenance(
            zone: request.zone, signal: request.signal, source: name, origin: "\(cache.path) (from \(live.spec.baseURL ?? live.spec.kind.rawValue))",
            declaredUnit: live.spec.kind.unit(signal: request.signal), basis: live.entry.basis, scope: live.entry.scope ?? live.spec.emissionFactor,
            illustrative: live.entry.illustrative, forecast: rows.contains(where: \.forecast), fetchedAt: oldest.iso8601)
        provenance.note = "\(why): values fetched at \(oldest.iso8601) or later, \(formatNumber(age, decimals: 1)) h old"
        return SourceAnswer(points: rows.map(\.point), provenance: provenance)
    }
}
