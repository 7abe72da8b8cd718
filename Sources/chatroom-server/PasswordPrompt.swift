import ChatSystem
import Glibc

/// Reads a password for the `accounts` subcommands: from the terminal without echo, or, when standard
/// input is not a terminal, its first line.
///
/// The terminal's settings are put back on every way out: a normal return, an error, and the signals that
/// end the process (SIGINT, SIGTERM, SIGHUP, SIGQUIT), whose handler restores them and then lets the
/// signal end the process as it would have. Ctrl-Z is ignored while the prompt waits, so the shell is never
/// left with echo off.
enum PasswordPrompt {
    /// Why no password was read; never holds the password.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The most bytes read for one password: a line longer than any password allowed, so a longer one is
    /// refused for its length rather than cut.
    private static let maxBytes = 4_096

    /// Reads a password for the account `name`.
    ///
    /// - Parameters:
    ///   - name: The account, for the prompt (`password for NAME: ` on standard error).
    ///   - twice: Ask twice on a terminal, and refuse two different answers (a new password).
    /// - Returns: The password, without its line end.
    /// - Throws: ``Failure`` when standard input fails, or the two answers differ, or it is not UTF-8.
    static func read(for name: String, twice: Bool) throws(Failure) -> String {
        guard isatty(STDIN_FILENO) == 1 else { return try text(try line()) }
        let first = try fromTerminal(prompt: "password for \(name): ")
        if twice {
            let second = try fromTerminal(prompt: "password for \(name) again: ")
            guard first == second else { throw Failure(description: "the two passwords differ") }
        }
        return try text(first)
    }

    private static func text(_ bytes: [UInt8]) throws(Failure) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Failure(description: "the password is not UTF-8 text")
        }
        return text
    }

    /// Reads one line from the terminal with echo off, then puts the terminal back as it was.
    private static func fromTerminal(prompt: String) throws(Failure) -> [UInt8] {
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw Failure(description: "cannot read the terminal's settings: \(SystemError("tcgetattr"))")
        }
        write(prompt)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO | ECHONL)
        TerminalRestore.arm(saved)
        defer {
            TerminalRestore.restoreNow()
            TerminalRestore.disarm()
            // The Enter that ended the line was not echoed either.
            write("\n")
        }
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 else {
            throw Failure(description: "cannot turn the terminal's echo off: \(SystemError("tcsetattr"))")
        }
        return try line()
    }

    /// Standard input up to its first line feed (or its end), without the line feed and a carriage return
    /// before it. Reads a byte at a time, so nothing after the line is taken from a shared input.
    private static func line() throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(STDIN_FILENO, &byte, 1)
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read the password: \(SystemError("read"))")
            }
            if count == 0 || byte == 0x0A { break }
            // Past the limit the rest is read and dropped: the length check refuses the password.
            if bytes.count <= maxBytes { bytes.append(byte) }
        }
        if bytes.last == 0x0D { bytes.removeLast() }
        return bytes
    }

    private static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = writeAll(STDERR_FILENO, UnsafeRawBufferPointer(bytes)) }
    }
}

/// The terminal settings to put back if a signal ends the process while the prompt has echo off.
///
/// `nonisolated(unsafe)`: written only by the one thread that prompts, before the handlers are installed
/// and after they are removed; read by the handlers, which run on that same thread.
private nonisolated(unsafe) var savedTerminal = termios()
private nonisolated(unsafe) var terminalArmed = false
private nonisolated(unsafe) var previousActions: [Int32: sigaction] = [:]

private enum TerminalRestore {
    /// Signals that end the process: restore the terminal, then end it as the signal would have.
    static let ending = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    /// Job-control stops, ignored meanwhile (a stopped prompt would leave the shell without echo).
    static let stopping = [SIGTSTP, SIGTTIN, SIGTTOU]

    static func arm(_ settings: termios) {
        savedTerminal = settings
        terminalArmed = true
        var restoring = sigaction()
        restoring.__sigaction_handler.sa_handler = { signal in
            if terminalArmed { tcsetattr(STDIN_FILENO, TCSAFLUSH, &savedTerminal) }
            Glibc.signal(signal, SIG_DFL)
            raise(signal)
        }
        sigemptyset(&restoring.sa_mask)
        var ignoring = sigaction()
        ignoring.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&ignoring.sa_mask)
        var actions: [Int32: sigaction] = [:]
        for signal in ending + stopping {
            var previous = sigaction()
            if ending.contains(signal) {
                sigaction(signal, &restoring, &previous)
            } else {
                sigaction(signal, &ignoring, &previous)
            }
            actions[signal] = previous
        }
        previousActions = actions
    }

    static func restoreNow() {
        if terminalArmed { tcsetattr(STDIN_FILENO, TCSAFLUSH, &savedTerminal) }
    }

    static func disarm() {
        for (signal, var action) in previousActions { sigaction(signal, &action, nil) }
        previousActions = [:]
        terminalArmed = false
    }
}
