using Dapr.Client;

namespace Mtaeda.Maintenance.Infrastructure;

/// <summary>
/// Each device's open request (<see cref="DeviceMaintenanceState"/>) under <c>device-{id}</c> in the state store, changed
/// with optimistic concurrency (read with its ETag, write back only if unchanged, else decide again).
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the state is kept.</param>
public sealed class OpenRequests(DaprClient dapr, MaintenanceOptions options)
{
    /// <summary>Takes in a fault: opens the device's request, joins its open one, or recognises a repeat.</summary>
    /// <param name="fault">The fault.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>What it did and the request.</returns>
    public Task<(FaultOutcome Outcome, string RequestId)> ReportAsync(Fault fault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return UpdateAsync(fault.DeviceId, device => (device.Report(fault), true), cancellationToken);
    }

    /// <summary>The device's maintenance state, or null when it never had a request.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state.</returns>
    public Task<DeviceMaintenanceState?> GetAsync(string deviceId, CancellationToken cancellationToken) =>
        dapr.GetStateAsync<DeviceMaintenanceState?>(options.StateStoreName, $"device-{deviceId}", ConsistencyMode.Strong, cancellationToken: cancellationToken);

    /// <summary>Clears <paramref name="requestId"/> as the device's open request; nothing when it is not.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="requestId">The request.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>True when it was the open request.</returns>
    public Task<bool> CloseAsync(string deviceId, string requestId, CancellationToken cancellationToken) =>
        UpdateAsync(deviceId, device => device.Close(requestId) is var closed ? (closed, closed) : default, cancellationToken);

    private Task<T> UpdateAsync<T>(string deviceId, Func<DeviceMaintenance, (T Result, bool Changed)> decide, CancellationToken cancellationToken) =>
        OptimisticState.UpdateAsync(
            dapr, options.StateStoreName, $"device-{deviceId}", () => new DeviceMaintenanceState { DeviceId = deviceId },
            (DeviceMaintenanceState state) => decide(new DeviceMaintenance(state)), cancellationToken);
}
