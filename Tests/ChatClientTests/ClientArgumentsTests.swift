import ChatClient
import ChatProtocol
import ChatTestSupport
import Glibc
import Testing

@Suite struct ClientArgumentsTests {
    private func parse(_ line: String) throws(ClientArguments.UsageError) -> ClientArguments {
        try ClientArguments.parse(line.split(separator: " ").map(String.init))
    }

    private func failure(_ line: String) -> String? {
        do throws(ClientArguments.UsageError) {
            _ = try parse(line)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func defaults() throws {
        let parsed = try parse("")
        #expect(parsed == ClientArguments())
        #expect(parsed.host == nil && parsed.port == Wire.defaultPort && parsed.name == nil)
        #expect(!parsed.plain && parsed.scrollback == 10_000 && parsed.history == nil && !parsed.help)
    }

    @Test func everyOptionInBothForms() throws {
        var expected = ClientArguments()
        expected.host = "example.org"
        expected.port = 4000
        expected.name = "alice"
        expected.plain = true
        expected.scrollback = 500
        expected.history = 20
        #expect(
            try parse("--host example.org --port 4000 --name alice --plain --scrollback 500 --history 20") == expected)
        #expect(
            try parse("--host=example.org --port=4000 --name=alice --plain --scrollback=500 --history=20") == expected)
        #expect(try parse("--history 1").history == 1)
        #expect(try parse("--history 1000").history == 1000)
        #expect(try parse("--port 1 --port 2").port == 2)  // the last one counts
    }

    @Test func helpWinsOverEverythingAfterIt() throws {
        #expect(try parse("--help").help)
        #expect(try parse("--port 4000 -h --bogus").help)
        #expect(ClientArguments.helpText.contains("--scrollback <lines>"))
        #expect(ClientArguments.helpText.contains("--history <count>"))
        #expect(ClientArguments.helpText.contains("USAGE: " + ClientArguments.usage + "\n"))
        #expect(ClientArguments.helpText.contains("(default: \(Wire.defaultPort))"))
    }

    @Test func badCommandLinesSayWhatIsWrong() {
        #expect(failure("--bogus") == "unknown option '--bogus'")
        #expect(failure("alice") == "unexpected argument 'alice'")
        #expect(failure("--port") == "missing value for '--port <value>'")
        #expect(failure("--host --plain") == "missing value for '--host <value>'")
        #expect(failure("--port 0") == "--port must be a whole number between 1 and 65535, not '0'")
        #expect(failure("--port 65536") == "--port must be a whole number between 1 and 65535, not '65536'")
        #expect(failure("--port seven") == "--port must be a whole number between 1 and 65535, not 'seven'")
        #expect(failure("--scrollback 0") == "--scrollback must be a whole number at least 1, not '0'")
        #expect(failure("--history 0") == "--history must be a whole number between 1 and 1000, not '0'")
        #expect(failure("--history 1001") == "--history must be a whole number between 1 and 1000, not '1001'")
        #expect(failure("--history") == "missing value for '--history <value>'")
        #expect(failure("--plain=yes") == "'--plain' takes no value")
        #expect(failure("--name 1abc") == "--name 1abc: a name starts with a letter")
        #expect(failure("--password-file pw") == "--password-file needs --name: the password is that account's")
        #expect(failure("--name alice --password-file") == "missing value for '--password-file <value>'")
    }

    @Test func tlsTakesItsOwnPortUnlessOneIsGiven() throws {
        let fingerprint = "sha256:" + String(repeating: "0a", count: 32)
        let tls = try parse("--tls")
        #expect(tls.tls && tls.port == ServerAddress.defaultTLSPort && tls.port == 7778)
        #expect(tls.tlsAuthorityFile == nil && tls.tlsFingerprint == nil)
        #expect(try parse("--tls --port 9000").port == 9000)
        #expect(try parse("--port 7777 --tls").port == 7777)
        #expect(try !parse("").tls)
        var expected = ClientArguments()
        expected.host = "chat.example.org"
        expected.port = 7778
        expected.tls = true
        expected.tlsAuthorityFile = "/etc/chat/ca.pem"
        expected.tlsFingerprint = fingerprint
        #expect(
            try parse("--host chat.example.org --tls --tls-ca /etc/chat/ca.pem --tls-fingerprint \(fingerprint)")
                == expected)
        #expect(
            try parse("--tls --tls-ca=/etc/chat/ca.pem --tls-fingerprint=\(fingerprint) --host=chat.example.org")
                == expected)
        // Written everywhere in lower case.
        #expect(
            try parse("--tls --tls-fingerprint sha256:\(String(repeating: "0A", count: 32))").tlsFingerprint
                == fingerprint)
    }

    @Test(arguments: [
        (
            "--tls --tls-fingerprint 0a0a",
            "--tls-fingerprint must be sha256: and 64 hex digits, without colons between them, not '0a0a'"
        ),
        (
            "--tls --tls-fingerprint sha256:" + String(repeating: "0a", count: 31),
            "--tls-fingerprint must be sha256: and 64 hex digits, without colons between them, not 'sha256:"
                + String(repeating: "0a", count: 31) + "'"
        ),
        (
            "--tls --tls-fingerprint sha256:" + Array(repeating: "0A", count: 32).joined(separator: ":"),
            "--tls-fingerprint must be sha256: and 64 hex digits, without colons between them, not 'sha256:"
                + Array(repeating: "0A", count: 32).joined(separator: ":") + "'"
        ),
        (
            "--tls --tls-fingerprint sha1:" + String(repeating: "0a", count: 32),
            "--tls-fingerprint must be sha256: and 64 hex digits, without colons between them, not 'sha1:"
                + String(repeating: "0a", count: 32) + "'"
        ),
        (
            "--tls --tls-fingerprint sha256:" + String(repeating: "0g", count: 32),
            "--tls-fingerprint must be sha256: and 64 hex digits, without colons between them, not 'sha256:"
                + String(repeating: "0g", count: 32) + "'"
        ),
        ("--tls --tls-fingerprint", "missing value for '--tls-fingerprint <value>'"),
        ("--tls --tls-ca", "missing value for '--tls-ca <value>'"),
        ("--tls --tls-ca=", "missing value for '--tls-ca <file>'"),
        ("--tls=yes", "'--tls' takes no value"),
        ("--tls-ca /etc/ca.pem", "--tls-ca needs --tls"),
        ("--tls-fingerprint sha256:" + String(repeating: "0a", count: 32), "--tls-fingerprint needs --tls"),
    ])
    func badTLSOptionsSayWhatIsWrong(line: String, message: String) {
        #expect(failure(line) == message)
    }

    @Test func theHelpDocumentsTheTLSOptions() {
        for text in [
            "[--tls] [--tls-ca <file>] [--tls-fingerprint <sha256:hex>]", "--tls                   Speak TLS (port 7778 unless --port); never host a server.",
            "--tls-ca <file>         Trust the certificate authorities", "--tls-fingerprint <sha256:hex>",
            "known_servers",
        ] {
            #expect(ClientArguments.helpText.contains(text), "\(text)")
        }
        #expect(ClientArguments.usage.hasSuffix("[--tls] [--tls-ca <file>] [--tls-fingerprint <sha256:hex>]"))
    }

    @Test func aPasswordFileGoesWithAName() throws {
        #expect(try parse("--name alice --password-file /run/pw").passwordFile == "/run/pw")
        #expect(try parse("--password-file=/run/pw --name=alice").passwordFile == "/run/pw")
        #expect(try parse("--name alice").passwordFile == nil)
    }
}

@Suite struct PasswordSourceTests {
    private func file(_ bytes: String, in folder: String) throws -> String {
        let path = folder + "/password"
        try Array(bytes.utf8).withUnsafeBytes { raw in
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard fd >= 0 else { throw TestFailure("cannot create \(path): errno \(errno)") }
            defer { close(fd) }
            guard write(fd, raw.baseAddress, raw.count) == raw.count else { throw TestFailure("short write") }
        }
        return path
    }

    @Test(arguments: [
        ("pass word\n", "pass word"), ("pass word", "pass word"), ("crlf\r\nsecond\n", "crlf"),
        (" spaced \nrest", " spaced "), ("ünïcode\n", "ünïcode"),
    ])
    func theFirstLineOfTheFileIsThePassword(contents: String, password: String) throws {
        try withTemporaryDirectory { folder in
            let path = try file(contents, in: folder)
            #expect(try PasswordSource.password(file: path, environment: "from the environment") == password)
        }
    }

    @Test func theEnvironmentServesWithoutAFile() throws {
        #expect(try PasswordSource.password(file: nil, environment: "from the environment") == "from the environment")
        #expect(try PasswordSource.password(file: nil, environment: "") == nil)
        #expect(try PasswordSource.password(file: nil, environment: nil) == nil)
    }

    private func failure(file: String) -> String? {
        do throws(PasswordSource.Failure) {
            _ = try PasswordSource.password(file: file, environment: "from the environment")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func aMissingOrEmptyFileIsAnError() throws {
        try withTemporaryDirectory { folder in
            #expect(
                failure(file: folder + "/none")
                    == "cannot read the password file \(folder)/none: No such file or directory")
            let empty = try file("\nsecond line\n", in: folder)
            #expect(failure(file: empty) == "the first line of the password file \(empty) is empty")
        }
    }
}
