import ChatSystem
import Glibc
import Testing

@Suite struct DescriptorLimitTests {
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    private func openFileLimit() throws -> rlimit {
        var limit = rlimit()
        try #require(getrlimit(Self.resource, &limit) == 0)
        return limit
    }

    @Test func raisesTheSoftLimitToTheHardOne() throws {
        let start = try openFileLimit()
        if start.rlim_cur == start.rlim_max {
            // Make room to raise: one below the hard limit, which no test running alongside comes near.
            var lowered = start
            lowered.rlim_cur = start.rlim_max - 1
            try #require(setrlimit(Self.resource, &lowered) == 0)
        }
        let reported = DescriptorLimit.raiseToHardLimit()
        let now = try openFileLimit()
        #expect(now.rlim_cur == start.rlim_max)
        #expect(now.rlim_max == start.rlim_max)
        #expect(reported == Int(clamping: start.rlim_max))
    }

    @Test func atTheHardLimitItReportsItAndChangesNothing() throws {
        DescriptorLimit.raiseToHardLimit()
        let before = try openFileLimit()
        let reported = DescriptorLimit.raiseToHardLimit()
        let after = try openFileLimit()
        #expect(reported == Int(clamping: before.rlim_cur))
        #expect(after.rlim_cur == before.rlim_cur && after.rlim_max == before.rlim_max)
    }
}
