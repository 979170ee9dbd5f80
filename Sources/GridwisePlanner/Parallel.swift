import Dispatch

/// `transform(i)` for every `i` in `0..<count`, worked out on both cores in `blocks` fixed blocks of
/// consecutive indices. Each element depends on its own index alone, so the result is the same on any
/// machine and at any timing.
func concurrentMap<T>(_ count: Int, blocks: Int = 2, _ transform: @Sendable (Int) -> T) -> [T] {
    let blocks = min(blocks, max(1, count))
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        nonisolated(unsafe) let out = buffer
        DispatchQueue.concurrentPerform(iterations: blocks) { b in
            for i in (count * b / blocks)..<(count * (b + 1) / blocks) { (out.baseAddress! + i).initialize(to: transform(i)) }
        }
        initialized = count
    }
}
