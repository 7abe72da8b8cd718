import ChatSystem
import ChatTestSupport
import Glibc
import Testing

@Suite struct ThreadSpawnerTests {
    @Test func aJoinableThreadRunsTheBodyElsewhereAndJoinWaitsForIt() throws {
        let gate = Seen<Bool>()
        let seen = Seen<pthread_t>()
        let thread = try ThreadSpawner.spawnJoinable {
            // The body finishes only once the test has looked, so only join can explain its result.
            _ = eventually { gate.value == true }
            seen.record(pthread_self())
        }
        #expect(seen.value == nil)
        gate.record(true)
        ThreadSpawner.join(thread)
        let ran = try #require(seen.value)
        #expect(pthread_equal(ran, thread) != 0)
        #expect(pthread_equal(ran, pthread_self()) == 0)
    }

    @Test func aDetachedThreadRunsTheBody() throws {
        let seen = Seen<ThreadAttributes>()
        try ThreadSpawner.spawn(stackSize: nil) { seen.record(ThreadAttributes.current()) }
        #expect(eventually { seen.value != nil }, "the body did not run")
        #expect(seen.value?.detached == true)
    }

    @Test func aJoinableThreadIsNotDetached() throws {
        let seen = Seen<ThreadAttributes>()
        let thread = try ThreadSpawner.spawnJoinable { seen.record(ThreadAttributes.current()) }
        ThreadSpawner.join(thread)
        #expect(seen.value?.detached == false)
    }

    @Test(arguments: [256 * 1024, 1024 * 1024])
    func aThreadGetsTheStackSizeAskedFor(bytes: Int) throws {
        let seen = Seen<ThreadAttributes>()
        try ThreadSpawner.spawn(stackSize: bytes) { seen.record(ThreadAttributes.current()) }
        #expect(eventually { seen.value != nil }, "the body did not run")
        #expect(seen.value?.stackSize == bytes)
    }

    @Test func withoutAStackSizeAThreadGetsTheSystemsDefault() throws {
        let seen = Seen<ThreadAttributes>()
        let thread = try ThreadSpawner.spawnJoinable { seen.record(ThreadAttributes.current()) }
        ThreadSpawner.join(thread)
        let detached = Seen<ThreadAttributes>()
        try ThreadSpawner.spawn(stackSize: nil) { detached.record(ThreadAttributes.current()) }
        #expect(eventually { detached.value != nil }, "the body did not run")
        let defaultSize = ThreadAttributes.defaultStackSize
        #expect(defaultSize > 1024 * 1024)
        #expect(seen.value?.stackSize == defaultSize)
        #expect(detached.value?.stackSize == defaultSize)
    }

    @Test func blockingSignalsBlocksAllButFaultsOnTheNewThreadOnly() throws {
        let before = blockedSignals()
        let seen = Seen<Set<Int32>>()
        try ThreadSpawner.spawn(stackSize: nil, blockingSignals: true) { seen.record(blockedSignals()) }
        #expect(blockedSignals() == before, "the creating thread's mask was not restored")
        #expect(eventually { seen.value != nil }, "the body did not run")
        let blocked = try #require(seen.value)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD, SIGALRM, SIGWINCH] {
            #expect(blocked.contains(signal), "signal \(signal) is not blocked")
        }
        for fault in [SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT] {
            #expect(!blocked.contains(fault), "fault \(fault) is blocked")
        }
    }

    @Test func aThreadThatCannotBeCreatedIsASystemError() {
        // No address space holds a 4 EiB stack.
        let error = #expect(throws: SystemError.self) {
            try ThreadSpawner.spawn(stackSize: 1 << 62) {}
        }
        #expect(error?.call == "pthread_create")
        #expect(error?.code == EAGAIN)
    }
}

/// The signals the calling thread blocks.
private func blockedSignals() -> Set<Int32> {
    var mask = sigset_t()
    pthread_sigmask(SIG_BLOCK, nil, &mask)
    return Set((1..<65).filter { sigismember(&mask, $0) == 1 })
}

/// The calling thread's attributes, as the system reports them; `nil` where it cannot tell.
private struct ThreadAttributes: Sendable {
    var stackSize: Int?
    var detached: Bool?

    private typealias GetAttributes = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32

    /// Reads them with glibc's `pthread_getattr_np`, which Swift's Glibc module does not declare.
    static func current() -> ThreadAttributes {
        guard let symbol = dlsym(nil, "pthread_getattr_np") else { return ThreadAttributes() }
        let getAttributes = unsafeBitCast(symbol, to: GetAttributes.self)
        var attributes = pthread_attr_t()
        guard getAttributes(pthread_self(), &attributes) == 0 else { return ThreadAttributes() }
        defer { pthread_attr_destroy(&attributes) }
        var stackSize = 0
        var state: Int32 = 0
        guard pthread_attr_getstacksize(&attributes, &stackSize) == 0,
            pthread_attr_getdetachstate(&attributes, &state) == 0
        else { return ThreadAttributes() }
        return ThreadAttributes(stackSize: stackSize, detached: state == Int32(PTHREAD_CREATE_DETACHED))
    }

    /// The stack size a thread gets when none is set (glibc reports it for fresh attributes).
    static var defaultStackSize: Int {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        var stackSize = 0
        pthread_attr_getstacksize(&attributes, &stackSize)
        return stackSize
    }
}
