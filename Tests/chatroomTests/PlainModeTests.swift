import ChatTestSupport
import Testing

/// `chatroom` with its input or output not a terminal: it chats line by line, as a script would use it.
@Suite struct PlainModeTests {
    @Test func plainModeReadsAScriptAndPrintsOneLinePerEvent() throws {
        let server = try ServerProcess()
        let chatroom = try BuiltProducts.path("chatroom")
        // No --plain: a pipe on either side is enough. `cut` drops the time; EXITED reports the pipeline's end.
        let result = try runProcess(
            [
                "/bin/sh", "-c",
                "printf 'hello\\n/dm script hi me\\n/nick x y\\n' | \(chatroom) --host 127.0.0.1 --port \(server.port)"
                    + " --name script 2>/dev/null | cut -c7-; echo EXITED $?",
            ],
            environment: ["LANG": "C.UTF-8"])
        #expect(
            result.output.split(separator: "\n").map(String.init) == [
                "* Welcome to chatroom! Type /help for the commands. (you are user1)",
                "* you are now script",
                "<script> hello",
                "-> script: hi me",
                "! a name holds no spaces (bad-name)",
                "EXITED 0",
            ])
    }
}
