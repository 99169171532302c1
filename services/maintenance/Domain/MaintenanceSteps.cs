namespace Mtaeda.Maintenance.Domain;

/// <summary>One step of a request's process, and when it was first recorded.</summary>
/// <param name="Name">What happened, e.g. "work order created".</param>
/// <param name="At">When.</param>
public sealed record RecordedStep(string Name, DateTimeOffset At);

/// <summary>The steps of one request's process, oldest first, and its priority, as kept in the state store.</summary>
public sealed class MaintenanceStepsState
{
    /// <summary>The steps.</summary>
    public List<RecordedStep> Steps { get; set; } = [];

    /// <summary>
    /// The request's priority, recorded with its first step (<see cref="MaintenanceSteps.WorkOrderCreated"/>): the
    /// process ranks the request in its first activity; unspecified until then.
    /// </summary>
    public MaintenancePriority Priority { get; set; }
}

/// <summary>
/// The history of a request's process: each step is recorded once, when it is first reported, so an activity that runs
/// again (at least once, as Dapr Workflow runs activities) adds nothing. The names are those the API shows.
/// </summary>
public static class MaintenanceSteps
{
    /// <summary>The work order was created in scheduling.</summary>
    public const string WorkOrderCreated = "work order created";

    /// <summary>A technician was assigned.</summary>
    public const string WorkOrderAssigned = "work order assigned";

    /// <summary>The technician started: the device is under maintenance.</summary>
    public const string MaintenanceStarted = "maintenance started";

    /// <summary>The work was completed and the device is back in service.</summary>
    public const string DeviceRestored = "device restored";

    /// <summary>The work order was cancelled after the work had started: the device is back as it was.</summary>
    public const string MaintenanceCalledOff = "maintenance called off";

    /// <summary>The request was closed after completion.</summary>
    public const string Closed = "closed";

    /// <summary>The request was closed after a cancellation.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>A deadline passed: escalated to <paramref name="level"/>.</summary>
    /// <param name="level">1 or 2.</param>
    /// <returns>The step's name.</returns>
    public static string Escalated(int level) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"escalated (level {level})");

    /// <summary>Records <paramref name="name"/> unless it is recorded already.</summary>
    /// <param name="state">The request's steps (changed in place).</param>
    /// <param name="name">The step.</param>
    /// <param name="at">When it happened.</param>
    /// <returns>True when it was new.</returns>
    public static bool Record(MaintenanceStepsState state, string name, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (state.Steps.Exists(s => s.Name == name)) return false;
        state.Steps.Add(new RecordedStep(name, at));
        return true;
    }
}
