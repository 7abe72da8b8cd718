import Glibc
import Testing

@testable import ChatBench

@Suite struct ProcessSampleTests {
    @Test func readsCPUTicksAfterTheCommandName() {
        let stat = "4242 (chat) server) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 37 0 0 20 0 102 0 5000 1000 300"
        #expect(ProcessSample.cpuTicks(stat: stat) == 187)
        #expect(ProcessSample.cpuTicks(stat: "4242 (x) S 1 2") == nil)
    }

    @Test func readsResidentMemoryAndThreads() {
        let status = "Name:\tchatroom-server\nVmPeak:\t  9000 kB\nVmRSS:\t    4298 kB\nThreads:\t102\n"
        let memory = ProcessSample.memory(status: status)
        #expect(memory?.rss == 4_298)
        #expect(memory?.threads == 102)
        #expect(ProcessSample.memory(status: "Name:\tx\n") == nil)
    }

    @Test func readsTheMachinesBusyTicks() {
        let stat = "cpu  100 5 50 800 45 0 0 0 0 0\ncpu0 50 2 25 400 20 0 0 0 0 0\n"
        #expect(MachineSample.parse(stat) == MachineSample(busyTicks: 155, totalTicks: 1_000))
        #expect(MachineSample.parse("intr 1 2 3\n") == nil)
    }

    @Test func readsALiveProcess() throws {
        let sample = try #require(ProcessSample.read(pid: getpid()))
        #expect(sample.threads >= 1)
        #expect(sample.residentKiB > 0)
        #expect(ProcessSample.read(pid: Int32.max) == nil)
    }
}
