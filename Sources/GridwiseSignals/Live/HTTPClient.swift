import Foundation
import GridwiseCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A response as the providers' clients need it.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: Data
    public var headers: [String: String]

    public func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// GET and POST over Foundation's URLSession (libcurl on Linux), with a timeout on every request, TLS
/// verification left on, a User-Agent naming Gridwise, retries with exponential backoff and jitter for
/// timeouts, refused connections, 429 and 5xx, and `Retry-After` honoured up to a ceiling.
public struct HTTPClient: Sendable {
    public static let userAgent = "Gridwise/\(GridwiseBuild.version) (+https://github.com/gridwise; carbon-aware scheduler)"

    public var timeoutSeconds: Double
    /// Attempts after the first.
    public var retries: Int
    public var baseDelaySeconds: Double
    /// The longest wait before a retry, and the largest Retry-After honoured.
    public var maximumDelaySeconds: Double
    public var limiter: RateLimiter?
    /// Waits between attempts; replaced in tests to keep them fast.
    public var sleep: @Sendable (Double) -> Void
    /// A number in 0..<1 for jitter.
    public var random: @Sendable () -> Double

    public init(timeoutSeconds: Double = 15, retries: Int = 3, baseDelaySeconds: Double = 0.5, maximumDelaySeconds: Double = 30, limiter: RateLimiter? = nil,
                sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        self.timeoutSeconds = timeoutSeconds
        self.retries = retries
        self.baseDelaySeconds = baseDelaySeconds
        self.maximumDelaySeconds = maximumDelaySeconds
        self.limiter = limiter
        self.sleep = sleep
        self.random = random
    }

    /// What went wrong, with the attempts made; the caller turns it into an error naming source and zone.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public var status: Int?
    }

    public func get(_ url: URL, headers: [String: String] = [:]) throws(Failure) -> HTTPResponse {
        try send(method: "GET", url: url, headers: headers, body: nil)
    }

    /// Sends the request, retrying what is worth retrying. Returns any response that is not retried
    /// (2xx, 4xx other than 429); the caller decides what a 401 or 404 means.
    public func send(method: String, url: URL, headers: [String: String], body: Data?) throws(Failure) -> HTTPResponse {
        var attempt = 0
        var last = "no attempt made"
        var lastStatus: Int? = nil
        while true {
            limiter?.acquire(sleep: sleep)
            var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeoutSeconds)
            request.httpMethod = method
            request.httpBody = body
            request.setValue(Self.userAgent, forHTTPHeaderField: "User-Agent")
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
            var retryAfter: Double? = nil
            switch Self.perform(request, timeout: timeoutSeconds) {
            case .success(let response):
                if Self.retried.contains(response.status) {
                    last = "HTTP \(response.status)" + (response.status == 429 ? " (rate limited)" : "")
                    lastStatus = response.status
                    if let value = response.header("Retry-After"), let seconds = Double(value.trimmingCharacters(in: .whitespaces)) {
                        guard seconds <= maximumDelaySeconds else {
                            throw Failure(description: "\(last); Retry-After \(Int(seconds)) s is longer than the \(Int(maximumDelaySeconds)) s Gridwise waits", status: response.status)
                        }
                        retryAfter = seconds
                    }
                } else {
                    return response
                }
            case .failure(let message):
                last = message
                lastStatus = nil
            }
            guard attempt < retries else {
                throw Failure(description: "\(last) after \(attempt + 1) attempt\(attempt == 0 ? "" : "s")", status: lastStatus)
            }
            let backoff = min(maximumDelaySeconds, baseDelaySeconds * pow(2, Double(attempt)))
            sleep(retryAfter ?? backoff * (0.5 + random() / 2))
            attempt += 1
        }
    }

    /// Statuses worth another attempt: rate limiting and transient server trouble (not 501 Not Implemented).
    static let retried: Set<Int> = [429, 500, 502, 503, 504]

    enum Outcome { case success(HTTPResponse), failure(String) }

    private final class Box: @unchecked Sendable { var outcome: Outcome = .failure("no answer") }

    static func perform(_ request: URLRequest, timeout: Double) -> Outcome {
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                let nsError = error as NSError
                switch nsError.code {
                case NSURLErrorTimedOut: box.outcome = .failure("timed out after \(Int(timeout)) s")
                case NSURLErrorCannotConnectToHost: box.outcome = .failure("connection refused")
                case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: box.outcome = .failure("host not found")
                case NSURLErrorServerCertificateUntrusted, NSURLErrorSecureConnectionFailed: box.outcome = .failure("TLS verification failed")
                default: box.outcome = .failure("network error \(nsError.code)")
                }
            } else if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (k, v) in http.allHeaderFields { headers["\(k)"] = "\(v)" }
                box.outcome = .success(HTTPResponse(status: http.statusCode, body: data ?? Data(), headers: headers))
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            session.invalidateAndCancel()
            return .failure("timed out after \(Int(timeout)) s")
        }
        session.finishTasksAndInvalidate()
        return box.outcome
    }
}

/// At most `requests` per `perSeconds`, per provider, across threads: callers wait for a slot.
public final class RateLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private let interval: Double
    private var next = Date.distantPast

    public init(requests: Int, perSeconds: Double) { interval = perSeconds / Double(max(1, requests)) }

    private static let perProvider: [ProviderKind: RateLimiter] = [
        .wattTime: RateLimiter(requests: 3000, perSeconds: 300),  // WattTime's documented limit
        .electricityMaps: RateLimiter(requests: 10, perSeconds: 1),
        .ukCarbonIntensity: RateLimiter(requests: 10, perSeconds: 1),
        .carbonAwareSDK: RateLimiter(requests: 50, perSeconds: 1),
    ]

    /// The one limiter each provider's requests share within a process.
    public static func shared(for kind: ProviderKind) -> RateLimiter { perProvider[kind]! }

    func acquire(sleep: (Double) -> Void) {
        lock.lock()
        let now = Date()
        let slot = max(now, next)
        next = slot.addingTimeInterval(interval)
        lock.unlock()
        let wait = slot.timeIntervalSince(now)
        if wait > 0.001 { sleep(wait) }
    }
}

public enum GridwiseBuild {
    /// The release number, printed by `--version` and sent in the User-Agent.
    public static let version = "0.1.0"
}
