import ServiceLifecycle

extension Task where Success == Never, Failure == Never {
    /// Whether a background service's loop should end: its group is shutting down gracefully, or
    /// cancelled it (as when another service failed, such as the server not getting its port).
    /// Checking only for graceful shutdown left cancelled loops running with sleeps that return
    /// at once, busy on every core.
    public static var isStoppingService: Bool {
        Task.isShuttingDownGracefully || Task.isCancelled
    }
}
