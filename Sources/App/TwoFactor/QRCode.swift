/// A QR code (ISO/IEC 18004) of a text, in byte mode at error-correction level M: what an
/// authenticator app scans to add a key. Level M survives about 15 % of the symbol being
/// unreadable (a glare on a screen, a smudge) and keeps the symbol small.
///
/// The symbol is the smallest version (1 to 40) that holds the text; of the eight masks the
/// one with the lowest penalty score is kept, as the standard prescribes, so that no area of
/// the symbol looks like a finder pattern or is too dark or too light to read.
struct QRCode: Sendable, Equatable {
    /// 1 to 40: the symbol is `17 + 4 × version` modules wide.
    let version: Int
    /// The mask pattern (0 to 7) applied to the data.
    let mask: Int
    let size: Int
    /// Row by row, `true` for a dark module.
    let modules: [Bool]

    subscript(x: Int, y: Int) -> Bool { modules[y * size + x] }

    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The text needs more bytes than the largest symbol allowed holds.
        case tooLong(bytes: Int, maximum: Int)

        var description: String {
            switch self {
            case .tooLong(let bytes, let maximum): "the text is \(bytes) bytes; a QR code of this size holds at most \(maximum)"
            }
        }
    }

    static let versions = 1...40

    /// The symbol for `text` (its UTF-8 bytes). `mask` forces a mask pattern instead of the
    /// best-scoring one; `versions` narrows the sizes allowed.
    static func encode(_ text: String, versions allowed: ClosedRange<Int> = versions, mask forced: Int? = nil) throws(Failure) -> QRCode {
        let bytes = Array(text.utf8)
        guard let version = allowed.clamped(to: versions).first(where: { bytes.count <= byteCapacity(version: $0) }) else {
            throw .tooLong(bytes: bytes.count, maximum: byteCapacity(version: allowed.clamped(to: versions).upperBound))
        }
        let codewords = interleaved(dataCodewords(bytes, version: version), version: version)
        var symbol = Symbol(version: version)
        symbol.drawFunctionPatterns()
        symbol.place(codewords)
        let masks = forced.map { [$0 & 7] } ?? Array(0..<8)
        var best: (mask: Int, penalty: Int, symbol: Symbol)?
        for mask in masks {
            var candidate = symbol
            candidate.applyMask(mask)
            candidate.drawFormatBits(mask: mask)
            let penalty = forced == nil ? candidate.penalty() : 0
            if best == nil || penalty < best!.penalty { best = (mask, penalty, candidate) }
        }
        let chosen = best!
        return QRCode(version: version, mask: chosen.mask, size: chosen.symbol.size, modules: chosen.symbol.dark)
    }

    // MARK: - Capacity

    /// Error-correction codewords per block at level M, by version (index 0 unused).
    static let eccPerBlock = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
                              26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28]
    /// Blocks at level M, by version (index 0 unused).
    static let blocks = [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
                         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49]

    /// Modules left for data and error correction once the function patterns, the format
    /// and the version information are drawn.
    static func dataModules(version: Int) -> Int {
        var modules = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignments = version / 7 + 2
            modules -= (25 * alignments - 10) * alignments - 55
            if version >= 7 { modules -= 36 }
        }
        return modules
    }

    static func totalCodewords(version: Int) -> Int { dataModules(version: version) / 8 }

    static func dataCodewordCount(version: Int) -> Int {
        totalCodewords(version: version) - eccPerBlock[version] * blocks[version]
    }

    /// Bits of the character count in byte mode.
    static func countBits(version: Int) -> Int { version <= 9 ? 8 : 16 }

    /// The most bytes a symbol of `version` holds at level M.
    static func byteCapacity(version: Int) -> Int {
        (dataCodewordCount(version: version) * 8 - 4 - countBits(version: version)) / 8
    }

    // MARK: - Codewords

    /// Mode indicator, count, the bytes, terminator and padding: the data codewords.
    static func dataCodewords(_ bytes: [UInt8], version: Int) -> [UInt8] {
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: countBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        let capacity = dataCodewordCount(version: version) * 8
        bits.append(0, count: min(4, capacity - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacity / 8 {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// The data split into the version's blocks (the shorter ones first), each followed by its
    /// Reed–Solomon codewords, then interleaved: the first codeword of every block, the second…
    static func interleaved(_ data: [UInt8], version: Int) -> [UInt8] {
        let blockCount = blocks[version], ecc = eccPerBlock[version]
        let total = totalCodewords(version: version)
        let shortBlocks = blockCount - total % blockCount
        let shortLength = total / blockCount - ecc
        var dataBlocks: [[UInt8]] = []
        var offset = 0
        for index in 0..<blockCount {
            let length = shortLength + (index < shortBlocks ? 0 : 1)
            dataBlocks.append(Array(data[offset..<offset + length]))
            offset += length
        }
        let generator = ReedSolomon.generator(degree: ecc)
        let eccBlocks = dataBlocks.map { ReedSolomon.remainder($0, generator: generator) }
        var result: [UInt8] = []
        result.reserveCapacity(total)
        for column in 0...shortLength {
            for block in dataBlocks where column < block.count { result.append(block[column]) }
        }
        for column in 0..<ecc {
            for block in eccBlocks { result.append(block[column]) }
        }
        return result
    }

    // MARK: - Format and version information

    /// The 15 format bits for level M and `mask`: BCH(15,5) over the level and the mask,
    /// XORed with 101010000010010 so that they are never all light.
    static func formatBits(mask: Int) -> Int {
        let data = (0b00 << 3) | (mask & 7) // level M is 00
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        return ((data << 10) | remainder) ^ 0x5412
    }

    /// The 18 version bits (versions 7 and up): BCH(18,6) over the version.
    static func versionBits(version: Int) -> Int {
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        return (version << 12) | remainder
    }

    /// Centres of the alignment patterns, the same list for rows and columns.
    static func alignmentPositions(version: Int) -> [Int] {
        guard version >= 2 else { return [] }
        let count = version / 7 + 2
        let size = 17 + 4 * version
        let step = version == 32 ? 26 : (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
        var positions = [6]
        var position = size - 7
        var rest: [Int] = []
        for _ in 0..<(count - 1) {
            rest.insert(position, at: 0)
            position -= step
        }
        positions += rest
        return positions
    }
}

// MARK: - Reed–Solomon over GF(256)

/// Error-correction codewords: the remainder of the data polynomial divided by the generator
/// (x − α⁰)(x − α¹)…(x − αⁿ⁻¹), in GF(2⁸) modulo x⁸ + x⁴ + x³ + x² + 1.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var product = 0
        var a = Int(x), b = Int(y)
        while b != 0 {
            if b & 1 != 0 { product ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11D }
            b >>= 1
        }
        return UInt8(product)
    }

    /// Coefficients of the generator polynomial of `degree`, highest power first (its leading 1 left out).
    static func generator(degree: Int) -> [UInt8] {
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            // Multiply by (x − root).
            for index in 0..<degree {
                coefficients[index] = multiply(coefficients[index], root)
                if index + 1 < degree { coefficients[index] ^= coefficients[index + 1] }
            }
            root = multiply(root, 0x02)
        }
        return coefficients
    }

    static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ result[0]
            result.removeFirst()
            result.append(0)
            for index in 0..<generator.count { result[index] ^= multiply(generator[index], factor) }
        }
        return result
    }
}

// MARK: - Building the symbol

private struct BitBuffer {
    private(set) var bits: [Bool] = []
    var count: Int { bits.count }

    mutating func append(_ value: Int, count: Int) {
        guard count > 0 else { return }
        for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
    }

    var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<min(start + 8, bits.count)].enumerated().reduce(UInt8(0)) { byte, bit in
                bit.element ? byte | (0x80 >> UInt8(bit.offset)) : byte
            }
        }
    }
}

/// The modules while the symbol is drawn: which are dark, and which belong to function
/// patterns (never masked, never holding data).
private struct Symbol {
    let version: Int
    let size: Int
    var dark: [Bool]
    var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        self.size = 17 + 4 * version
        self.dark = Array(repeating: false, count: size * size)
        self.isFunction = Array(repeating: false, count: size * size)
    }

    mutating func set(_ x: Int, _ y: Int, _ isDark: Bool) {
        dark[y * size + x] = isDark
        isFunction[y * size + x] = true
    }

    mutating func drawFunctionPatterns() {
        for index in 0..<size {
            set(6, index, index % 2 == 0)
            set(index, 6, index % 2 == 0)
        }
        drawFinder(centreX: 3, centreY: 3)
        drawFinder(centreX: size - 4, centreY: 3)
        drawFinder(centreX: 3, centreY: size - 4)
        let positions = QRCode.alignmentPositions(version: version)
        let last = positions.count - 1
        for (i, y) in positions.enumerated() {
            for (j, x) in positions.enumerated() where !(i == 0 && j == 0) && !(i == 0 && j == last) && !(i == last && j == 0) {
                drawAlignment(centreX: x, centreY: y)
            }
        }
        // Reserved now, written once the mask is known.
        drawFormatBits(mask: 0)
        drawVersionBits()
    }

    /// A finder pattern and its light separator (clipped at the symbol's edge).
    private mutating func drawFinder(centreX: Int, centreY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centreX + dx, y = centreY + dy
                guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                let distance = max(abs(dx), abs(dy))
                set(x, y, distance != 2 && distance != 4)
            }
        }
    }

    private mutating func drawAlignment(centreX: Int, centreY: Int) {
        for dy in -2...2 {
            for dx in -2...2 { set(centreX + dx, centreY + dy, max(abs(dx), abs(dy)) != 1) }
        }
    }

    mutating func drawFormatBits(mask: Int) {
        let bits = QRCode.formatBits(mask: mask)
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        // Around the top-left finder.
        for index in 0...5 { set(8, index, bit(index)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for index in 9..<15 { set(14 - index, 8, bit(index)) }
        // Beside the other two finders.
        for index in 0..<8 { set(size - 1 - index, 8, bit(index)) }
        for index in 8..<15 { set(8, size - 15 + index, bit(index)) }
        // The dark module, always dark.
        set(8, size - 8, true)
    }

    private mutating func drawVersionBits() {
        guard version >= 7 else { return }
        let bits = QRCode.versionBits(version: version)
        for index in 0..<18 {
            let isDark = (bits >> index) & 1 == 1
            let a = size - 11 + index % 3, b = index / 3
            set(a, b, isDark)
            set(b, a, isDark)
        }
    }

    /// The codewords, most significant bit first, in the zigzag of two-module columns from
    /// the bottom right, skipping the vertical timing pattern.
    mutating func place(_ codewords: [UInt8]) {
        var bitIndex = 0
        let bitCount = codewords.count * 8
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = ((right + 1) & 2) == 0
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for offset in 0..<2 {
                    let x = right - offset
                    guard !isFunction[y * size + x] else { continue }
                    if bitIndex < bitCount {
                        dark[y * size + x] = (codewords[bitIndex >> 3] >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                        bitIndex += 1
                    }
                }
            }
            right -= 2
        }
    }

    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] {
                let flip: Bool
                switch mask {
                case 0: flip = (x + y) % 2 == 0
                case 1: flip = y % 2 == 0
                case 2: flip = x % 3 == 0
                case 3: flip = (x + y) % 3 == 0
                case 4: flip = (x / 3 + y / 2) % 2 == 0
                case 5: flip = x * y % 2 + x * y % 3 == 0
                case 6: flip = (x * y % 2 + x * y % 3) % 2 == 0
                default: flip = ((x + y) % 2 + x * y % 3) % 2 == 0
                }
                if flip { dark[y * size + x].toggle() }
            }
        }
    }

    // MARK: Penalty

    /// The four penalty rules of ISO/IEC 18004 §7.8.3: runs of five or more modules of one
    /// colour, 2×2 blocks of one colour, patterns like a finder's (dark and light runs in the
    /// ratio 1:1:3:1:1, with four times the unit of light on one side; what lies beyond the
    /// symbol is light) and the share of dark modules far from half.
    func penalty() -> Int {
        var score = 0
        for y in 0..<size { score += linePenalty((0..<size).map { dark[y * size + $0] }) }
        for x in 0..<size { score += linePenalty((0..<size).map { dark[$0 * size + x] }) }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = dark[y * size + x]
                if dark[y * size + x + 1] == colour, dark[(y + 1) * size + x] == colour, dark[(y + 1) * size + x + 1] == colour { score += 3 }
            }
        }
        // 10 points for each full 5 % step away from 50 % dark.
        let darkCount = dark.reduce(0) { $0 + ($1 ? 1 : 0) }
        let total = size * size
        score += ((abs(darkCount * 20 - total * 10) + total - 1) / total - 1) * 10
        return score
    }

    private func linePenalty(_ line: [Bool]) -> Int {
        var runs: [(dark: Bool, length: Int)] = []
        for module in line {
            if let last = runs.last, last.dark == module { runs[runs.count - 1].length += 1 } else { runs.append((module, 1)) }
        }
        var score = 0
        for run in runs where run.length >= 5 { score += 3 + run.length - 5 }
        // The light beyond both ends of the line.
        if runs.first?.dark == false { runs[0].length += size } else { runs.insert((false, size), at: 0) }
        if runs.last?.dark == false { runs[runs.count - 1].length += size } else { runs.append((false, size)) }
        // Light, then dark n, light n, dark 3n, light n, dark n, then light: once for each side
        // with 4n of light (the other side holding at least n).
        for start in stride(from: 0, to: runs.count - 6, by: 2) {
            let n = runs[start + 1].length
            guard runs[start + 2].length == n, runs[start + 3].length == 3 * n, runs[start + 4].length == n, runs[start + 5].length == n
            else { continue }
            let before = runs[start].length, after = runs[start + 6].length
            if before >= 4 * n && after >= n { score += 40 }
            if after >= 4 * n && before >= n { score += 40 }
        }
        return score
    }
}
