import ChatClient
import Testing

@Suite struct NameColorTests {
    @Test func theSameNameAlwaysGetsTheSameColourWhateverItsCase() {
        #expect(NameColor.index(of: "alice") == NameColor.index(of: "ALICE"))
        #expect(NameColor.index(of: "Bob_1") == NameColor.index(of: "bob_1"))
    }

    @Test func coloursAreSpreadOverThePalette() {
        let indices = (1...60).map { NameColor.index(of: "user\($0)") }
        #expect(indices.allSatisfy { (0..<NameColor.count).contains($0) })
        #expect(Set(indices).count == NameColor.count)
    }
}
