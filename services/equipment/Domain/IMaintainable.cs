namespace Mtaeda.Equipment.Domain;

/// <summary>
/// What every device (<see cref="Turnstile"/>, <see cref="Camera"/>) does for a maintenance request: a technician starts
/// the work and finishes it, completed or called off; its status shows whether it is under maintenance.
/// </summary>
/// <typeparam name="TStatus">The device's status.</typeparam>
public interface IMaintainable<out TStatus>
    where TStatus : struct, System.Enum
{
    /// <summary>The device's status now (unspecified while it was never installed).</summary>
    TStatus Status { get; }

    /// <summary>Starts the work for <paramref name="requestId"/> (the device's rule says when it may).</summary>
    /// <param name="requestId">The maintenance request.</param>
    /// <param name="reason">What is being done.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    Outcome StartMaintenance(string requestId, string reason, DateTimeOffset now);

    /// <summary>Ends the work for <paramref name="requestId"/>, completed or called off.</summary>
    /// <param name="requestId">The maintenance request.</param>
    /// <param name="completed">True when the work was completed, false when it was called off.</param>
    /// <param name="reason">What was done.</param>
    /// <param name="now">The time.</param>
    /// <returns>The outcome.</returns>
    Outcome FinishMaintenance(string requestId, bool completed, string reason, DateTimeOffset now);
}
