import Glibc

/// The open-file limit of this process.
enum DescriptorLimit {
    /// Raises the soft open-file limit to the hard limit.
    ///
    /// - Parameter needed: The descriptors the run needs.
    /// - Throws: ``BenchError/descriptorLimit(needed:limit:)`` when even the hard limit is too low.
    static func raise(toFit needed: Int) throws(BenchError) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let current = Int(clamping: limit.rlim_cur)
        if current < needed { throw .descriptorLimit(needed: needed, limit: current) }
    }
}
