/// Turns what a person typed after `/search` into an FTS5 query that can mean only "all these words".
///
/// The text is split the way FTS5's `unicode61` tokenizer splits: a word starts with a letter, a digit
/// (any script) or a private-use character and goes on through those and combining marks; everything
/// else separates. Each word becomes an FTS5 string (`"word"`, a `"` doubled), so no input is syntax:
/// `AND`, `NEAR(`, `:`, `^`, `-` and quotes are words or separators like any other. A word directly
/// followed by `*` becomes a prefix query (`"word" *`). The strings are joined by spaces, which FTS5
/// reads as AND. Case and accents are left to the tokenizer, which folds both on each side.
enum SearchQuery {
    struct Word: Equatable {
        var text: String
        var isPrefix: Bool
    }

    /// The FTS5 query for `text`, or `nil` when `text` has no word (and so matches nothing).
    static func match(for text: String) -> String? {
        let words = words(in: text)
        guard !words.isEmpty else { return nil }
        return words.map { word in
            let quoted = "\"" + word.text.replacing("\"", with: "\"\"") + "\""
            return word.isPrefix ? quoted + " *" : quoted
        }.joined(separator: " ")
    }

    /// The words of `text` in order, each once (a repeat adds nothing to an AND; a prefix and the same
    /// whole word are both kept, as the whole word is the stricter).
    static func words(in text: String) -> [Word] {
        var words: [Word] = []
        var seen: Set<String> = []
        var current = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var next = scalars.next()
        func finish(prefix: Bool) {
            guard !current.isEmpty else { return }
            let word = Word(text: String(current), isPrefix: prefix)
            current.removeAll()
            if seen.insert((prefix ? "*" : "=") + word.text.lowercased()).inserted { words.append(word) }
        }
        while let scalar = next {
            next = scalars.next()
            if isWordStart(scalar) || (!current.isEmpty && isMark(scalar)) {
                current.append(scalar)
            } else if scalar == "*" {
                finish(prefix: true)
            } else {
                finish(prefix: false)
            }
        }
        finish(prefix: false)
        return words
    }

    /// Letters, numbers and private-use characters: the token characters of `unicode61` ("L* N* Co").
    private static func isWordStart(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
        }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }

    /// Combining marks, which `unicode61` keeps inside a word (and drops, with remove_diacritics).
    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}
