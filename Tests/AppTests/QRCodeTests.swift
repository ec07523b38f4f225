@testable import App
import Foundation
import Testing

/// The QR encoder against published values (ISO/IEC 18004's tables, Thonky's worked example)
/// and against whole symbols made by another encoder (`QRCodeReference`).
@Suite struct QRCodeTests {
    /// Thonky's QR tutorial, "HELLO WORLD" at 1-M: its 16 data codewords and 10 error-correction codewords.
    @Test func reedSolomonGivesTheWorkedExamplesCodewords() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        let ecc = ReedSolomon.remainder(data, generator: ReedSolomon.generator(degree: 10))
        #expect(ecc == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    /// The format information of level M for each mask (ISO/IEC 18004 table C.1).
    @Test(arguments: [(0, "101010000010010"), (1, "101000100100101"), (2, "101111001111100"), (3, "101101101001011"),
                      (4, "100010111111001"), (5, "100000011001110"), (6, "100111110010111"), (7, "100101010100000")])
    func formatBitsAreTheStandardsTable(mask: Int, bits: String) {
        #expect(QRCode.formatBits(mask: mask) == Int(bits, radix: 2))
    }

    /// The version information (ISO/IEC 18004 table D.1).
    @Test(arguments: [(7, "000111110010010100"), (8, "001000010110111100"), (9, "001001101010011001"), (10, "001010010011010011"),
                      (21, "010101011010000011"), (40, "101000110001101001")])
    func versionBitsAreTheStandardsTable(version: Int, bits: String) {
        #expect(QRCode.versionBits(version: version) == Int(bits, radix: 2))
    }

    /// Bytes held at level M (ISO/IEC 18004 table 7) and the alignment pattern centres (annex E).
    @Test func capacityAndAlignmentFollowTheStandard() {
        #expect((1...10).map { QRCode.byteCapacity(version: $0) } == [14, 26, 42, 62, 84, 106, 122, 152, 180, 213])
        #expect(QRCode.byteCapacity(version: 40) == 2331)
        #expect((1...40).map { QRCode.totalCodewords(version: $0) }.last == 3706)
        #expect(QRCode.alignmentPositions(version: 1) == [])
        #expect(QRCode.alignmentPositions(version: 7) == [6, 22, 38])
        #expect(QRCode.alignmentPositions(version: 10) == [6, 28, 50])
        #expect(QRCode.alignmentPositions(version: 32) == [6, 34, 60, 86, 112, 138])
        #expect(QRCode.alignmentPositions(version: 36) == [6, 24, 50, 76, 102, 128, 154])
    }

    /// Whole symbols, module for module: the same version, the same mask (chosen by the penalty
    /// rules, or forced), the same format and version information, data and ECC placement.
    @Test(arguments: QRCodeReference.all.indices)
    func symbolsMatchAnotherEncoderModuleForModule(index: Int) throws {
        let reference = QRCodeReference.all[index]
        let code = try QRCode.encode(reference.text, mask: reference.forcedMask ? reference.mask : nil)
        #expect(code.version == reference.version)
        #expect(code.mask == reference.mask)
        let rows = (0..<code.size).map { y in String((0..<code.size).map { code[$0, y] ? "#" : "." }) }
        let expected = reference.rows.split(separator: "\n").map(String.init)
        #expect(rows.count == expected.count)
        for (y, row) in rows.enumerated() where y < expected.count {
            #expect(row == expected[y], "row \(y)")
        }
    }

    @Test func theSmallestVersionThatHoldsTheTextIsChosen() throws {
        #expect(try QRCode.encode(String(repeating: "a", count: 14)).version == 1)
        #expect(try QRCode.encode(String(repeating: "a", count: 15)).version == 2)
        #expect(try QRCode.encode(String(repeating: "a", count: 213)).version == 10)
        #expect(try QRCode.encode(String(repeating: "a", count: 214)).version == 11)
        // Non-ASCII text counts its UTF-8 bytes: "é" is two.
        #expect(try QRCode.encode(String(repeating: "é", count: 7)).version == 1)
        #expect(try QRCode.encode(String(repeating: "é", count: 8)).version == 2)
    }

    @Test func textTooLongIsRefusedClearly() {
        #expect(throws: QRCode.Failure.tooLong(bytes: 2332, maximum: 2331)) { try QRCode.encode(String(repeating: "a", count: 2332)) }
        #expect(throws: QRCode.Failure.tooLong(bytes: 214, maximum: 213)) { try QRCode.encode(String(repeating: "a", count: 214), versions: 1...10) }
        #expect(QRCode.Failure.tooLong(bytes: 214, maximum: 213).description == "the text is 214 bytes; a QR code of this size holds at most 213")
    }

    /// The longest name and email the portal accepts, in an authenticator address, fit.
    @Test func anAuthenticatorAddressWithALongPartnerNameAndEmailFits() throws {
        let name = String(repeating: "Northwind & Partners: ", count: 10).prefix(200)
        let email = String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 180) + ".example"
        let uri = TOTP(secret: TOTP.generateSecret()).provisioningURI(account: email, issuer: String(name))
        let code = try QRCode.encode(uri)
        #expect(uri.utf8.count > QRCode.byteCapacity(version: 10))
        #expect(code.version <= 40 && QRCode.byteCapacity(version: code.version) >= uri.utf8.count)
        #expect(code.version == 1 || QRCode.byteCapacity(version: code.version - 1) < uri.utf8.count)
    }

    @Test func everySymbolHasItsFunctionPatterns() throws {
        for text in ["a", String(repeating: "x", count: 150), String(repeating: "y", count: 1200)] {
            let code = try QRCode.encode(text)
            let n = code.size
            #expect(n == 17 + 4 * code.version)
            // Finder patterns: the dark 7×7 ring and 3×3 centre in three corners, light separators.
            for (cx, cy) in [(3, 3), (n - 4, 3), (3, n - 4)] {
                for d in -3...3 {
                    #expect(code[cx + d, cy - 3] && code[cx + d, cy + 3] && code[cx - 3, cy + d] && code[cx + 3, cy + d])
                    #expect(abs(d) == 3 || !code[cx + d, cy - 2])
                }
                #expect(code[cx, cy] && code[cx - 1, cy - 1] && code[cx + 1, cy + 1])
            }
            // Timing patterns alternate between the finders.
            for i in 8..<(n - 8) {
                #expect(code[i, 6] == (i % 2 == 0))
                #expect(code[6, i] == (i % 2 == 0))
            }
            #expect(code[8, n - 8], "the dark module")
            // The two copies of the format information agree, and name the mask used.
            var first = 0, second = 0
            let firstPositions = (0...5).map { (8, $0) } + [(8, 7), (8, 8), (7, 8)] + (9..<15).map { (14 - $0, 8) }
            let secondPositions = (0..<8).map { (n - 1 - $0, 8) } + (8..<15).map { (8, n - 15 + $0) }
            for (bit, (x, y)) in firstPositions.enumerated() where code[x, y] { first |= 1 << bit }
            for (bit, (x, y)) in secondPositions.enumerated() where code[x, y] { second |= 1 << bit }
            #expect(first == QRCode.formatBits(mask: code.mask) && second == first)
        }
    }

    // MARK: - The SVG

    @Test func theSVGIsOnePathWithAQuietZoneAndALabel() throws {
        let code = try QRCode.encode("otpauth://totp/Acme:ada@example.com?secret=JBSWY3DPEHPK3PXP")
        let html = MarkupWriter.render(QRCodeView.svg(code, label: #"Acme "&" <Co>"#))
        #expect(html.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(code.size + 8) \#(code.size + 8)""#))
        let tags = HTMLTokenizer.tags(html)
        let svg = try #require(tags.first { $0.name == "svg" })
        let side = code.size + 8
        #expect(svg.value("viewbox") == "0 0 \(side) \(side)")
        #expect(svg.value("role") == "img")
        #expect(svg.value("aria-label") == #"Acme "&" <Co>"#)
        #expect(svg.value("shape-rendering") == "crispEdges")
        #expect(tags.filter { $0.name == "path" }.count == 1)
        // Drawing the path's rectangles gives back the symbol, offset by the quiet zone of 4.
        let d = try #require(tags.first { $0.name == "path" }?.value("d"))
        var drawn = Set<Int>()
        for match in d.matches(of: /M(\d+) (\d+)h(\d+)v1h-(\d+)z/) {
            let x = Int(match.output.1)!, y = Int(match.output.2)!, width = Int(match.output.3)!
            #expect(Int(match.output.4)! == width)
            for column in x..<(x + width) { drawn.insert(y * side + column) }
        }
        let expected = Set((0..<code.size).flatMap { y in (0..<code.size).filter { code[$0, y] }.map { (y + 4) * side + $0 + 4 } })
        #expect(drawn == expected)
    }
}
