public import Enpire
public import Foundation

/// A fixed-capacity ring buffer of transitions stored in flat arrays, with crash-tolerant persistence.
///
/// Once full, the oldest transition is overwritten. ``save(to:)`` writes a binary file (magic, header, payload,
/// FNV-1a checksum) to a temporary file and renames it over the target, so a crash mid-write leaves the
/// previous file intact; ``load(from:)`` rejects truncated or altered files with ``RLError/corruptReplayFile(path:reason:)``.
public struct ReplayBuffer: Sendable {
    /// Values per observation.
    public let observationWidth: Int
    /// Values per action.
    public let actionWidth: Int
    /// Maximum number of transitions kept.
    public let capacity: Int
    /// Transitions currently stored.
    public private(set) var count = 0
    private var writeIndex = 0
    private var observations: [Float]
    private var actions: [Float]
    private var rewards: [Float]
    private var nextObservations: [Float]
    private var terminals: [Float]

    static let magic: [UInt8] = Array("ENPRPLY1".utf8)

    /// Creates an empty buffer, failing on non-positive sizes.
    ///
    /// - Throws: ``RLError/invalidConfiguration(_:)`` for a non-positive width or capacity, or storage above
    ///   ``maximumStoredValues``.
    public init(observationWidth: Int, actionWidth: Int, capacity: Int) throws(RLError) {
        guard observationWidth > 0, actionWidth > 0, capacity > 0 else {
            throw .invalidConfiguration("replay buffer needs positive widths and capacity, got observation "
                + "\(observationWidth), action \(actionWidth), capacity \(capacity)")
        }
        guard observationWidth <= Self.maximumStoredValues, actionWidth <= Self.maximumStoredValues,
              capacity <= Self.maximumStoredValues / (2 * observationWidth + actionWidth + 2)
        else {
            throw .invalidConfiguration("a replay buffer of capacity \(capacity) with widths \(observationWidth)/"
                + "\(actionWidth) would hold more than \(Self.maximumStoredValues) values")
        }
        self.observationWidth = observationWidth
        self.actionWidth = actionWidth
        self.capacity = capacity
        observations = [Float](repeating: 0, count: capacity * observationWidth)
        actions = [Float](repeating: 0, count: capacity * actionWidth)
        rewards = [Float](repeating: 0, count: capacity)
        nextObservations = [Float](repeating: 0, count: capacity * observationWidth)
        terminals = [Float](repeating: 0, count: capacity)
    }

    /// True when nothing is stored.
    public var isEmpty: Bool { count == 0 }

    /// Appends a transition, overwriting the oldest when full.
    public mutating func append(_ transition: Transition) throws(RLError) {
        guard transition.observation.count == observationWidth,
              transition.nextObservation.count == observationWidth,
              transition.action.count == actionWidth else {
            throw .widthMismatch("buffer holds observations of \(observationWidth) and actions of \(actionWidth) "
                + "values, transition has \(transition.observation.count)/\(transition.nextObservation.count) and "
                + "\(transition.action.count)")
        }
        let row = writeIndex
        for j in 0..<observationWidth {
            observations[row * observationWidth + j] = transition.observation[j]
            nextObservations[row * observationWidth + j] = transition.nextObservation[j]
        }
        for j in 0..<actionWidth { actions[row * actionWidth + j] = transition.action[j] }
        rewards[row] = transition.reward
        terminals[row] = transition.terminal ? 1 : 0
        writeIndex = (writeIndex + 1) % capacity
        count = min(count + 1, capacity)
    }

    /// The stored transition at a physical row (`0..<count`).
    public func transition(at row: Int) -> Transition? {
        guard row >= 0, row < count else { return nil }
        return Transition(
            observation: Array(observations[(row * observationWidth)..<((row + 1) * observationWidth)]),
            action: Array(actions[(row * actionWidth)..<((row + 1) * actionWidth)]),
            reward: rewards[row],
            nextObservation: Array(nextObservations[(row * observationWidth)..<((row + 1) * observationWidth)]),
            terminal: terminals[row] != 0)
    }

    /// Writes `rows` uniformly sampled transitions into `batch` starting at `rowOffset` (no allocation).
    public func sample(rows: Int, into batch: inout ReplayBatch, rowOffset: Int = 0, rng: inout SplitMix64) {
        guard count > 0 else { return }
        for k in 0..<rows {
            let source = rng.nextIndex(below: count)
            let target = rowOffset + k
            for j in 0..<observationWidth {
                batch.observations.scalars[target * observationWidth + j] = observations[source * observationWidth + j]
                batch.nextObservations.scalars[target * observationWidth + j] =
                    nextObservations[source * observationWidth + j]
            }
            for j in 0..<actionWidth {
                batch.actions.scalars[target * actionWidth + j] = actions[source * actionWidth + j]
            }
            batch.rewards.scalars[target] = rewards[source]
            batch.notTerminal.scalars[target] = 1 - terminals[source]
        }
    }

    // MARK: Persistence

    /// Saves atomically: writes a temporary file beside `url`, then renames it over `url`.
    public func save(to url: URL) throws(RLError) {
        var bytes = ReplayBuffer.magic
        for value in [observationWidth, actionWidth, capacity, count, writeIndex] {
            withUnsafeBytes(of: UInt64(value).littleEndian) { bytes.append(contentsOf: $0) }
        }
        let payloadStart = bytes.count
        for array in [observations, actions, rewards, nextObservations, terminals] {
            let rows = array.count / capacity
            array.withUnsafeBytes { raw in bytes.append(contentsOf: raw.prefix(count * rows * 4)) }
        }
        let checksum = ReplayBuffer.fnv1a(bytes[payloadStart...])
        withUnsafeBytes(of: checksum.littleEndian) { bytes.append(contentsOf: $0) }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(bytes).write(to: temporary)
            // POSIX rename replaces the target atomically: readers see the old file or the new one, never a mix.
            guard rename(temporary.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .io("could not write replay buffer to \(url.path): \(ErrorMessage.oneLine(error))")
        }
    }

    /// Most values (observations, actions, rewards, next observations, terminals) one buffer may hold:
    /// 2^28, 1 GiB of `Float`. Also bounds what a crafted replay file can make ``load(from:)`` allocate.
    public static let maximumStoredValues = 1 << 28

    /// Loads a buffer written by ``save(to:)``, failing with a clear error on a corrupt or truncated file (or one
    /// whose header asks for more than ``maximumStoredValues``).
    public static func load(from url: URL) throws(RLError) -> ReplayBuffer {
        let data: Data
        do { data = try SafeFile.read(url, limit: maximumStoredValues * 4 + 1024) } catch {
            throw .io("could not read replay buffer: \(error)")
        }
        let bytes = [UInt8](data)
        func corrupt(_ reason: String) -> RLError { .corruptReplayFile(path: url.path, reason: reason) }
        let headerSize = magic.count + 5 * 8
        guard bytes.count >= headerSize + 8 else { throw corrupt("file has \(bytes.count) bytes, too short") }
        guard Array(bytes[0..<magic.count]) == magic else { throw corrupt("wrong magic bytes") }
        func header(_ index: Int) -> Int {
            var value: UInt64 = 0
            for k in 0..<8 { value |= UInt64(bytes[magic.count + index * 8 + k]) << (8 * UInt64(k)) }
            return Int(truncatingIfNeeded: value)
        }
        let (ow, aw, capacity, count, writeIndex) = (header(0), header(1), header(2), header(3), header(4))
        guard ow > 0, aw > 0, capacity > 0, count >= 0, count <= capacity, writeIndex >= 0, writeIndex < capacity,
              ow < 1 << 20, aw < 1 << 20, capacity < 1 << 32 else {
            throw corrupt("implausible header (widths \(ow)/\(aw), capacity \(capacity), count \(count))")
        }
        let payloadBytes = count * (2 * ow + aw + 2) * 4
        guard bytes.count == headerSize + payloadBytes + 8 else {
            throw corrupt("expected \(headerSize + payloadBytes + 8) bytes for \(count) transitions, found "
                + "\(bytes.count) (truncated write?)")
        }
        var stored: UInt64 = 0
        for k in 0..<8 { stored |= UInt64(bytes[headerSize + payloadBytes + k]) << (8 * UInt64(k)) }
        guard stored == fnv1a(bytes[headerSize..<(headerSize + payloadBytes)]) else {
            throw corrupt("checksum mismatch")
        }
        var buffer: ReplayBuffer
        do { buffer = try ReplayBuffer(observationWidth: ow, actionWidth: aw, capacity: capacity) } catch {
            throw corrupt("\(error)")
        }
        var offset = headerSize
        func read(_ values: Int, into array: inout [Float]) {
            bytes.withUnsafeBytes { raw in
                array.withUnsafeMutableBytes { target in
                    target.baseAddress!.copyMemory(from: raw.baseAddress! + offset, byteCount: values * 4)
                }
            }
            offset += values * 4
        }
        read(count * ow, into: &buffer.observations)
        read(count * aw, into: &buffer.actions)
        read(count, into: &buffer.rewards)
        read(count * ow, into: &buffer.nextObservations)
        read(count, into: &buffer.terminals)
        buffer.count = count
        buffer.writeIndex = writeIndex
        return buffer
    }

    static func fnv1a(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
