import Testing

@testable import ChatBench

@Suite struct RateSchedulerTests {
    @Test func dueTimesFollowTheRateFromTheStart() {
        let scheduler = RateScheduler(rate: 200, start: 1_000, end: 1_000 + 1_000_000_000)
        #expect(scheduler.interval == 5_000_000)
        #expect(scheduler.dueTime(of: 0) == 1_000)
        #expect(scheduler.dueTime(of: 1) == 5_001_000)
        #expect(scheduler.dueTime(of: 199) == 995_001_000)
        #expect(scheduler.totalCount == 200)
    }

    @Test(arguments: [(1000.0, 8.0, 8_000 as UInt64), (3.0, 1.0, 3), (7.0, 0.5, 4), (0.5, 10.0, 5), (5_000, 0.001, 5)])
    func holdsEveryMessageDueBeforeTheEnd(rate: Double, seconds: Double, count: UInt64) {
        let scheduler = RateScheduler(rate: rate, start: 0, end: UInt64(seconds * 1e9))
        #expect(scheduler.totalCount == count)
    }

    @Test func sendsByTheClockNotByAnswers() {
        // Open loop: nothing but time moves the timetable. A sender that wakes late takes every message
        // that fell due meanwhile, each keeping its own due time.
        var scheduler = RateScheduler(rate: 1_000, start: 0, end: 10_000_000)
        #expect(scheduler.takeDue(at: 0) == 0..<1)
        #expect(scheduler.takeDue(at: 999_999) == 1..<1)
        #expect(scheduler.nextDueTime == 1_000_000)
        #expect(scheduler.takeDue(at: 4_500_000) == 1..<5)
        #expect((1..<5).map(scheduler.dueTime(of:)) == [1_000_000, 2_000_000, 3_000_000, 4_000_000])
        #expect(scheduler.takeDue(at: 4_500_000) == 5..<5)
        #expect(scheduler.takeDue(at: 60_000_000) == 5..<10)
        #expect(scheduler.isFinished)
        #expect(scheduler.nextDueTime == nil)
        #expect(scheduler.takeDue(at: 70_000_000) == 10..<10)
    }

    @Test func takesAtMostTheLimitAndKeepsTheRestDue() {
        var scheduler = RateScheduler(rate: 1_000, start: 0, end: 1_000_000_000)
        #expect(scheduler.takeDue(at: 99_500_000, limit: 30) == 0..<30)
        #expect(scheduler.takeDue(at: 99_500_000, limit: 30) == 30..<60)
        #expect(scheduler.takeDue(at: 99_500_000, limit: 30) == 60..<90)
        #expect(scheduler.takeDue(at: 99_500_000, limit: 30) == 90..<100)
        #expect(scheduler.nextDueTime == 100_000_000)
    }

    @Test func aZeroRateSchedulesNothing() {
        var scheduler = RateScheduler(rate: 0, start: 0, end: 1_000_000_000)
        #expect(scheduler.totalCount == 0)
        #expect(scheduler.takeDue(at: 2_000_000_000) == 0..<0)
        #expect(scheduler.isFinished)
    }

    @Test func theProbeTimetableHoldsOneMessage() {
        var scheduler = RateScheduler(rate: 1e9, start: 500, end: 501)
        #expect(scheduler.totalCount == 1)
        #expect(scheduler.takeDue(at: 10_000) == 0..<1)
        #expect(scheduler.isFinished)
    }

    @Test func sendersShareTheRateByTheirNumber() {
        let plan = LoadPlan(start: 0, warmupEnd: 0, end: 1, senders: [0, 1, 2, 3, 4, 5], rate: 600)
        let even = plan.share(owned: { $0 % 2 == 0 })
        #expect(even.senders == [0, 2, 4])
        #expect(even.rate == 300)
        let none = plan.share(owned: { $0 > 10 })
        #expect(none.senders == [])
        #expect(none.rate == 0)
    }
}
