using Dapr.Client;
using Dapr.Workflow;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Maintenance.Domain;
using Mtaeda.Maintenance.Workflows;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Maintenance.Infrastructure;

/// <summary>
/// Takes a device's fault in: the device's state decides (open a request, join the open one, or a repeat); a request it
/// opened gets its maintenance workflow (instance id = request id) and is announced with <see cref="MaintenanceRequired"/>.
/// Every step is idempotent, so a redelivery after a failure finishes the rest: the request id is the fault's key, a
/// second schedule of the same instance is answered AlreadyExists (it runs already), and the announcement's CloudEvent
/// id is fixed by the request.
/// </summary>
/// <param name="requests">The devices' open requests.</param>
/// <param name="stations">How busy the device's station is (ridership).</param>
/// <param name="workflows">The workflow client (the sidecar's workflow engine).</param>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">The deadlines.</param>
/// <param name="time">The clock the intake's steps are timed with (logged at Debug).</param>
/// <param name="logger">The logger.</param>
public sealed partial class MaintenanceIntake(
    OpenRequests requests,
    StationLoadLookup stations,
    DaprWorkflowClient workflows,
    DaprClient dapr,
    MaintenanceOptions options,
    TimeProvider time,
    ILogger<MaintenanceIntake> logger)
{
    /// <summary>Takes in a fault.</summary>
    /// <param name="fault">The fault.</param>
    /// <param name="cancellationToken">Cancels the intake.</param>
    /// <returns>What the fault did, and its request.</returns>
    public async Task<(FaultOutcome Outcome, string RequestId)> ReportAsync(Fault fault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var began = time.GetTimestamp();
        var received = time.GetUtcNow() - fault.OccurredAt;
        // How busy the station is (ridership) is asked at once, beside the device's state: a fault that opens a request
        // (the usual case) waits for the slower of the two, not for both in turn.
        using var unneeded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var load = stations.LoadOfAsync(fault.StationId, unneeded.Token);
        try
        {
            return await ReportAsync(fault, load, began, received, cancellationToken);
        }
        finally
        {
            // Not needed after all (the fault joined an open request, or a step failed): called off, and awaited so
            // that nothing of this intake runs on.
            if (!load.IsCompleted)
            {
                await unneeded.CancelAsync();
                await load.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }

    private async Task<(FaultOutcome Outcome, string RequestId)> ReportAsync(Fault fault, Task<StationLoad> load, long began, TimeSpan received, CancellationToken cancellationToken)
    {
        var (outcome, requestId) = await requests.ReportAsync(fault, cancellationToken);
        var decided = time.GetTimestamp();
        if (outcome == FaultOutcome.Joined || requestId != fault.Key)
        {
            LogJoined(fault.DeviceId, requestId);
            return (outcome, requestId);
        }

        // Opened now, or opened by this same fault before (a redelivery after a failed start): make sure it runs. The
        // priority weighs the cause by how busy the station is now (ridership); the workflow's input fixes it for good.
        var priority = MaintenancePriorities.Of(fault.Cause, await load);
        var ranked = time.GetTimestamp();
        var deadlines = options.Deadlines.For(priority);
        var process = new MaintenanceProcess(
            requestId, fault.DeviceId, fault.DeviceKind, fault.StationId, priority, fault.Description,
            fault.OccurredAt.UtcDateTime, deadlines.AssignWithin, deadlines.CompleteWithin)
        {
            Cause = fault.Cause,
        };
        try
        {
            await workflows.ScheduleNewWorkflowAsync(nameof(MaintenanceWorkflow), requestId, process);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
            // Started by an earlier delivery, whose ranking stands (the station's load may have changed since).
            LogAlreadyRunning(requestId);
            var running = await workflows.GetWorkflowStateAsync(requestId, getInputsAndOutputs: true, cancellationToken);
            if (running?.ReadInputAs<MaintenanceProcess>() is { } started) priority = started.Priority;
        }

        var scheduled = time.GetTimestamp();
        var required = new MaintenanceRequired
        {
            RequestId = requestId,
            DeviceId = fault.DeviceId,
            DeviceKind = fault.DeviceKind,
            StationId = fault.StationId,
            Cause = fault.Cause,
            Priority = priority,
            Description = fault.Description,
            RequiredAt = Timestamp.FromDateTimeOffset(fault.OccurredAt),
        };
        await dapr.PublishIntegrationEventAsync(Topics.Of(required), required, $"{requestId}.required", requestId, cancellationToken);
        LogOpened(requestId, fault.DeviceId, priority);
        LogTimings(requestId, received.TotalMilliseconds, time.GetElapsedTime(began, decided).TotalMilliseconds, time.GetElapsedTime(decided, ranked).TotalMilliseconds,
            time.GetElapsedTime(ranked, scheduled).TotalMilliseconds, time.GetElapsedTime(scheduled).TotalMilliseconds);
        return (outcome, requestId);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Intake of {RequestId}: received {ReceivedMs:0.0} ms after the fault, device state {StateMs:0.0} ms, station load {LoadMs:0.0} ms more, workflow scheduled {ScheduleMs:0.0} ms, announced {PublishMs:0.0} ms")]
    private partial void LogTimings(string requestId, double receivedMs, double stateMs, double loadMs, double scheduleMs, double publishMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Maintenance request {RequestId} opened for {DeviceId} ({Priority})")]
    private partial void LogOpened(string requestId, string deviceId, Mtaeda.Contracts.Scheduling.V1.MaintenancePriority priority);

    [LoggerMessage(Level = LogLevel.Information, Message = "A fault of {DeviceId} joined its open request {RequestId}")]
    private partial void LogJoined(string deviceId, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The workflow of maintenance request {RequestId} runs already")]
    private partial void LogAlreadyRunning(string requestId);
}
