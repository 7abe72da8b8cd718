import ChatSystem
import Glibc
import Testing

@Suite struct SystemErrorTests {
    @Test(arguments: [
        ("open", ENOENT, "open: No such file or directory"),
        ("recv", ECONNRESET, "recv: Connection reset by peer"),
        ("accept4", EMFILE, "accept4: Too many open files"),
        ("pthread_create", EAGAIN, "pthread_create: Resource temporarily unavailable"),
    ])
    func describesTheCallAndWhatErrnoMeans(call: String, code: Int32, description: String) {
        let error = SystemError(call, code: code)
        #expect(error.call == call)
        #expect(error.code == code)
        #expect(error.description == description)
        #expect("\(error)" == description)
    }

    @Test func takesErrnoWhenNoCodeIsGiven() {
        errno = EPIPE
        let error = SystemError("send")
        #expect(error.code == EPIPE)
        #expect(error.description == "send: Broken pipe")
    }
}
