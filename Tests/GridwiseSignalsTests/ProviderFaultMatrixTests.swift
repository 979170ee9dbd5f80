import Foundation
import GridwiseCore
@testable import GridwiseSignals
import XCTest

/// Every provider source through the same faults: each is retried, filled by the fallback, or reported
/// as unavailable naming the source and zone; none crashes or is planned on silently.
final class ProviderFaultMatrixTests: XCTestCase {
    let horizon = PlanningHorizon(start: MockProviders.now.adding(hours: -12), hours: 24)
    let ukRegion = ["FAULT-500": 61, "FAULT-BADJSON": 62, "FAULT-SHAPE": 63, "FAULT-VALUES": 64, "FAULT-MISSING": 65, "FAULT-503-ONCE": 66, "FAULT-SLOW": 67, "FAULT-429-RA": 68]

    func spec(_ kind: ProviderKind, fault: String, mock: MockProviders) -> ProviderSpec {
        switch kind {
        case .electricityMaps: return ProviderSpec(kind: kind, zone: fault, baseURL: mock.base("em"), token: .environment("T"))
        case .wattTime: return ProviderSpec(kind: kind, zone: fault, baseURL: mock.base("wt"), username: .environment("U"), password: .environment("P"))
        case .ukCarbonIntensity: return ProviderSpec(kind: kind, baseURL: mock.base("uk"), regionID: ukRegion[fault]!)
        case .carbonAwareSDK: return ProviderSpec(kind: kind, zone: fault, baseURL: mock.base("sdk"))
        }
    }

    func resolve(_ kind: ProviderKind, fault: String, mock: MockProviders) throws -> HourlySeries {
        let s = spec(kind, fault: fault, mock: mock)
        let entry = SignalEntry(zone: "Z", signal: .carbonIntensity, unit: kind.unit(signal: .carbonIntensity), source: kind.rawValue, data: .provider(s))
        let http = HTTPClient(timeoutSeconds: 1, retries: 2, baseDelaySeconds: 0.01, limiter: RateLimiter(requests: 1_000_000, perSeconds: 1), sleep: { _ in }, random: { 0.5 })
        let context = LiveContext(now: MockProviders.now, environment: ["T": "em-token", "U": "alice", "P": "s3cret"], http: http)
        let fallback = DeclaredSource(entry: SignalEntry(zone: "Z", signal: .carbonIntensity, unit: "gCO2eq/kWh", source: "annual factor", data: .constant(777)), specFile: "s.yaml")
        return try SignalChain([ProviderSource(entry: entry, spec: s, context: context), fallback]).resolve(SignalRequest(zone: "Z", signal: .carbonIntensity, horizon: horizon))
    }

    func testEveryProviderSurvivesEveryFault() throws {
        let mock = try MockProviders()
        defer { mock.stop() }
        for kind in ProviderKind.allCases {
            // Retried and recovered: the provider's own values, no fallback.
            for fault in ["FAULT-503-ONCE", "FAULT-429-RA"] {
                let series = try resolve(kind, fault: fault, mock: mock)
                XCTAssertEqual(series.provenance.map(\.source), [kind.rawValue], "\(kind) \(fault)")
            }
            // Unavailable: every hour from the fallback, with the reason named.
            for (fault, reason) in [("FAULT-500", "HTTP 500 after 3 attempts"), ("FAULT-BADJSON", "a body that is not JSON"), ("FAULT-SHAPE", "answered JSON"),
                                    ("FAULT-SLOW", "timed out after 1 s")] {
                let series = try resolve(kind, fault: fault, mock: mock)
                XCTAssertEqual(series.values, Array(repeating: 777, count: 24), "\(kind) \(fault)")
                let note = series.provenance.first?.note ?? ""
                XCTAssertTrue(note.contains("fallback for \(kind.rawValue) unavailable: ") && note.contains(reason), "\(kind) \(fault): \(note)")
            }
            // Bad or missing values: those hours only from the fallback, and the plan says which.
            for fault in ["FAULT-VALUES", "FAULT-MISSING"] {
                let series = try resolve(kind, fault: fault, mock: mock)
                let fallbackHours = series.provenance.filter { $0.fallbackRank == 1 }.reduce(0) { $0 + $1.hourCount }
                XCTAssertEqual(series.provenance[0].source, kind.rawValue, "\(kind) \(fault)")
                XCTAssertGreaterThanOrEqual(fallbackHours, 3, "\(kind) \(fault)")
                XCTAssertLessThan(fallbackHours, 24, "\(kind) \(fault)")
                XCTAssertEqual(series.values.filter { $0 == 777 }.count, fallbackHours, "\(kind) \(fault)")
            }
        }
    }
}
