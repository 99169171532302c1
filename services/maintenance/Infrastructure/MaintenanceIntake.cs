using Dapr.Workflow;
using Grpc.Core;
using Mtaeda.Maintenance.Workflows;

namespace Mtaeda.Maintenance.Infrastructure;

/// <summary>
/// Takes a device's fault in with the fewest calls through the sidecar: the device's state decides (open a request, join
/// the open one, a repeat, or a request closed already), and a request it opened gets its maintenance workflow (instance
/// id = request id). Ranking the request by its station's load, creating its work order and announcing it with
/// <c>MaintenanceRequired</c> are the workflow's first activity (<see cref="CreateWorkOrderActivity"/>), not the
/// intake's: a broker may deliver a topic to the app one event (or one batch) at a time, so every call of the intake
/// also delays the faults queued behind it. The intake only asks ridership ahead for the station's load, without
/// waiting, so the answer is there when the activity ranks. Every step is idempotent, so a redelivery after a failure finishes the rest:
/// the request id is the fault's key, a second schedule of the same instance is answered AlreadyExists (it runs
/// already), and a fault redelivered after its request closed opens nothing.
/// </summary>
/// <param name="requests">The devices' open requests.</param>
/// <param name="stations">How busy the device's station is: asked ahead, for the process's first activity.</param>
/// <param name="workflows">The workflow client (the sidecar's workflow engine).</param>
/// <param name="time">The clock the intake's steps are timed with (logged at Debug).</param>
/// <param name="logger">The logger.</param>
public sealed partial class MaintenanceIntake(
    OpenRequests requests,
    StationLoadLookup stations,
    DaprWorkflowClient workflows,
    TimeProvider time,
    ILogger<MaintenanceIntake> logger)
{
    /// <summary>
    /// How many devices of one delivery are taken in at once. The faults of one device go in their order (the first opens
    /// the request, the next join it); different devices' faults touch different state and different workflow instances.
    /// </summary>
    public const int DevicesAtOnce = 16;

    /// <summary>Takes in the faults of one delivery: each device's in their order, the devices side by side.</summary>
    /// <param name="faults">The faults, in delivery order.</param>
    /// <param name="cancellationToken">Cancels the intake.</param>
    /// <returns>A task; it fails when any fault could not be taken in (each step is idempotent, so the whole delivery can be repeated).</returns>
    public async Task ReportAllAsync(IReadOnlyList<Fault> faults, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var began = time.GetTimestamp();
        var devices = faults.GroupBy(f => f.DeviceId, StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = DevicesAtOnce, CancellationToken = cancellationToken }, async (device, ct) =>
        {
            foreach (var fault in device) await ReportAsync(fault, ct);
        });
        if (faults.Count > 1) LogDelivery(faults.Count, devices.Count, time.GetElapsedTime(began).TotalMilliseconds);
    }

    /// <summary>Takes in a fault.</summary>
    /// <param name="fault">The fault.</param>
    /// <param name="cancellationToken">Cancels the intake.</param>
    /// <returns>What the fault did, and its request.</returns>
    public async Task<(FaultOutcome Outcome, string RequestId)> ReportAsync(Fault fault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var began = time.GetTimestamp();
        var received = time.GetUtcNow() - fault.OccurredAt;
        // The station's load is asked of ridership now, not waited for: the process's first activity ranks with it.
        stations.AskAhead(fault.StationId);
        var (outcome, requestId) = await requests.ReportAsync(fault, cancellationToken);
        var decided = time.GetTimestamp();
        if (outcome is FaultOutcome.Joined or FaultOutcome.AlreadyClosed || requestId != fault.Key)
        {
            if (outcome == FaultOutcome.Joined) LogJoined(fault.DeviceId, requestId);
            return (outcome, requestId);
        }

        // Opened now, or opened by this same fault before (a redelivery after a failed start): make sure it runs. The
        // process ranks the request in its first activity.
        var process = new MaintenanceProcess(
            requestId, fault.DeviceId, fault.DeviceKind, fault.StationId, MaintenancePriority.Unspecified, fault.Description,
            fault.OccurredAt.UtcDateTime, TimeSpan.Zero, TimeSpan.Zero)
        {
            Cause = fault.Cause,
        };
        try
        {
            await workflows.ScheduleNewWorkflowAsync(nameof(MaintenanceWorkflow), requestId, process);
            LogOpened(requestId, fault.DeviceId);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            LogAlreadyRunning(requestId);
        }

        LogTimings(requestId, received.TotalMilliseconds, time.GetElapsedTime(began, decided).TotalMilliseconds, time.GetElapsedTime(decided).TotalMilliseconds);
        return (outcome, requestId);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Intake of {RequestId}: received {ReceivedMs:0.0} ms after the fault, device state {StateMs:0.0} ms, workflow scheduled {ScheduleMs:0.0} ms")]
    private partial void LogTimings(string requestId, double receivedMs, double stateMs, double scheduleMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Took in {Faults} faults of {Devices} devices in one delivery in {ElapsedMs:0.0} ms")]
    private partial void LogDelivery(int faults, int devices, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Maintenance request {RequestId} opened for {DeviceId}")]
    private partial void LogOpened(string requestId, string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "A fault of {DeviceId} joined its open request {RequestId}")]
    private partial void LogJoined(string deviceId, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The workflow of maintenance request {RequestId} runs already")]
    private partial void LogAlreadyRunning(string requestId);
}
