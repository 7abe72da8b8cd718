import ChatClient
import ChatTUI
import Testing

@Suite struct TabCompleterTests {
    /// Repeated Tabs on a line: each step is the line and cursor after that Tab.
    struct Completion: Sendable, CustomTestStringConvertible {
        var text: String
        var cursor: Int
        var names: [String]
        var steps: [Step]
        var testDescription: String { "\(text.debugDescription) at \(cursor)" }

        struct Step: Sendable, Equatable, CustomStringConvertible {
            var text: String
            var cursor: Int
            var description: String { "\(text.debugDescription) at \(cursor)" }
        }

        init(_ text: String, _ cursor: Int, names: [String] = [], _ steps: [(String, Int)]) {
            self.text = text
            self.cursor = cursor
            self.names = names
            self.steps = steps.map { Step(text: $0.0, cursor: $0.1) }
        }
    }

    private static let people = ["alice", "bob", "Albert", "Bea", "carol"]

    @Test(arguments: [
        Completion("al", 2, names: people, [("Albert: ", 8), ("alice: ", 7), ("Albert: ", 8)]),
        Completion("AL", 2, names: people, [("Albert: ", 8), ("alice: ", 7)]),
        Completion("c", 1, names: people, [("carol: ", 7), ("carol: ", 7)]),
        Completion("", 0, names: ["bob", "alice"], [("alice: ", 7), ("bob: ", 5), ("alice: ", 7)]),
        Completion("al world", 2, names: people, [("Albert: world", 8), ("alice: world", 7)]),
        Completion("b", 1, names: ["bob", "bob", "Bea"], [("Bea: ", 5), ("bob: ", 5), ("Bea: ", 5)]),
        Completion("z", 1, names: ["Zoë", "zack"], [("zack: ", 6), ("Zoë: ", 5)]),
        Completion("日", 1, names: ["日本", "alice"], [("日本: ", 4)]),
    ])
    func completesANameAtLineStart(_ completion: Completion) {
        Self.check(completion, commands: OutgoingLine.commands)
    }

    @Test(arguments: [
        Completion("/us", 3, [("/users ", 7), ("/users ", 7)]),
        Completion("/u", 2, [("/unban ", 7), ("/unmute ", 8), ("/users ", 7), ("/unban ", 7)]),
        Completion("/U", 2, [("/unban ", 7)]),
        Completion("/", 1, [("/ban ", 5), ("/bans ", 6), ("/bc ", 4), ("/caps ", 6), ("/clear ", 7), ("/dm ", 4)]),
        Completion("/p", 2, [("/password ", 10), ("/ping ", 6)]),
        Completion("/q x", 2, [("/quit x", 6)]),
        // The accounts' and the operators' commands.
        Completion("/k", 2, [("/kick ", 6)]),
        Completion("/ba", 3, [("/ban ", 5), ("/bans ", 6), ("/ban ", 5)]),
        Completion("/m", 2, [("/mute ", 6)]),
        Completion("/re", 3, [("/register ", 10)]),
        Completion("/lo", 3, [("/login ", 7)]),
    ])
    func completesACommand(_ completion: Completion) {
        Self.check(completion, commands: OutgoingLine.commands)
    }

    @Test(arguments: [
        Completion("/dm b", 5, names: people, [("/dm Bea ", 8), ("/dm bob ", 8), ("/dm Bea ", 8)]),
        Completion("/dm ", 4, names: ["bob", "al"], [("/dm al ", 7), ("/dm bob ", 8), ("/dm al ", 7)]),
        Completion("/dm  ca", 7, names: people, [("/dm  carol ", 11)]),
        Completion("/dm ca hi", 6, names: people, [("/dm carol hi", 10)]),
    ])
    func completesTheDirectMessageName(_ completion: Completion) {
        Self.check(completion, commands: OutgoingLine.commands)
    }

    @Test(arguments: [
        Completion("/kick ", 6, names: ["bob", "al"], [("/kick al ", 9), ("/kick bob ", 10)]),
        Completion("/kick b", 7, names: people, [("/kick Bea ", 10), ("/kick bob ", 10)]),
        Completion("/ban ", 5, names: ["bob"], [("/ban bob ", 9)]),
        Completion("/BAN c", 6, names: people, [("/BAN carol ", 11)]),
        Completion("/mute ", 6, names: ["bob"], [("/mute bob ", 10)]),
        Completion("/unmute ", 8, names: ["bob"], [("/unmute bob ", 12)]),
        Completion("/unban ", 7, names: ["bob"], [("/unban bob ", 11)]),
        Completion("/kick bob sp", 12, names: ["spammer"], [("/kick bob spammer ", 18)]),
    ])
    func completesTheNameAfterAnOperatorsCommand(_ completion: Completion) {
        Self.check(completion, commands: OutgoingLine.commands)
    }

    @Test(arguments: [
        Completion("hello al", 8, names: people, [("hello Albert ", 13), ("hello alice ", 12)]),
        Completion("/dm bob hi c", 12, names: people, [("/dm bob hi carol ", 17)]),
        Completion("日本語 ca", 6, names: people, [("日本語 carol ", 10)]),
        Completion("👍 b", 3, names: people, [("👍 Bea ", 6), ("👍 bob ", 6)]),
    ])
    func completesANameMidLine(_ completion: Completion) {
        Self.check(completion, commands: OutgoingLine.commands)
    }

    @Test(arguments: [
        Completion("hello ", 6, names: people, []),
        Completion("zz", 2, names: people, []),
        Completion("al", 2, names: [], []),
        Completion("/x", 2, names: people, []),
        Completion("/nick ", 6, names: people, []),
        Completion("/dm bob ", 8, names: people, []),
        Completion("/bans ", 6, names: people, []),
        Completion("/kick bob ", 10, names: people, []),
        // Nothing completes in a password, typed in a command.
        Completion("/login alice al", 15, names: people, []),
        Completion("/register al", 12, names: people, []),
        Completion("/password al", 12, names: people, []),
    ])
    func completesNothingWithoutAMatch(_ completion: Completion) {
        var completer = TabCompleter()
        let result = completer.complete(text: completion.text, cursor: completion.cursor, names: completion.names)
        #expect(result == nil)
        #expect(!completer.isCycling)
    }

    private static func check(_ completion: Completion, commands: [String]) {
        var completer = TabCompleter()
        var text = completion.text
        var cursor = completion.cursor
        var seen: [Completion.Step] = []
        for _ in completion.steps {
            let result = completer.complete(text: text, cursor: cursor, names: completion.names, commands: commands)
            guard let result else { break }
            (text, cursor) = result
            seen.append(Completion.Step(text: text, cursor: cursor))
        }
        #expect(seen == completion.steps)
    }

    @Test func anotherKeyEndsTheCycle() {
        var completer = TabCompleter()
        let first = completer.complete(text: "al", cursor: 2, names: Self.people)
        #expect(first?.text == "Albert: ")
        #expect(completer.isCycling)
        completer.reset()
        #expect(!completer.isCycling)
        // After the cycle ends, the completed line is an ordinary line: nothing before the cursor to complete.
        #expect(completer.complete(text: "Albert: ", cursor: 8, names: Self.people) == nil)
    }

    @Test func aChangedLineStartsAFreshCompletion() {
        var completer = TabCompleter()
        #expect(completer.complete(text: "al", cursor: 2, names: Self.people)?.text == "Albert: ")
        // The user typed without the loop calling reset(): the line no longer matches the cycle.
        let fresh = completer.complete(text: "hi b", cursor: 4, names: Self.people)
        #expect(fresh?.text == "hi Bea ")
        #expect(fresh?.cursor == 7)
        #expect(completer.complete(text: "hi Bea ", cursor: 7, names: Self.people)?.text == "hi bob ")
    }

    @Test func drivesTheInputEditor() {
        var editor = InputEditor()
        var completer = TabCompleter()
        for key in [EditorKey.insert("/d"), .insert("m "), .insert("c")] {
            completer.reset()
            _ = editor.apply(key)
        }
        if let line = completer.complete(text: editor.text, cursor: editor.cursor, names: Self.people) {
            editor.replace(text: line.text, cursor: line.cursor)
        }
        _ = editor.apply(.insert("hi"))
        #expect(editor.apply(.enter) == "/dm carol hi")
    }
}
