using Dapr.Client;

namespace Mtaeda.Maintenance.Infrastructure;

/// <summary>
/// The steps of each request's process and its priority (<see cref="MaintenanceStepsState"/>) under
/// <c>steps-{request id}</c> in the state store. The workflow's activities record their step after their effect; a step already recorded is not recorded again,
/// so an activity run twice leaves one entry, with the time of its first run.
/// </summary>
/// <param name="dapr">The Dapr client.</param>
/// <param name="options">Where the state is kept.</param>
/// <param name="time">The clock.</param>
public sealed class RequestSteps(DaprClient dapr, MaintenanceOptions options, TimeProvider time)
{
    /// <summary>Records <paramref name="step"/> of <paramref name="requestId"/> (nothing when it is recorded already).</summary>
    /// <param name="requestId">The request.</param>
    /// <param name="step">The step's name.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>True when it was new.</returns>
    public Task<bool> RecordAsync(string requestId, string step, CancellationToken cancellationToken) =>
        RecordAsync(requestId, step, MaintenancePriority.Unspecified, cancellationToken);

    /// <summary>
    /// Records <paramref name="step"/> of <paramref name="requestId"/> with the request's priority (the first step's: the
    /// ranking is recorded once, with it).
    /// </summary>
    /// <param name="requestId">The request.</param>
    /// <param name="step">The step's name.</param>
    /// <param name="priority">The request's priority; unspecified leaves the recorded one.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>True when the step was new.</returns>
    public Task<bool> RecordAsync(string requestId, string step, MaintenancePriority priority, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        return OptimisticState.UpdateAsync(
            dapr, options.StateStoreName, Key(requestId), () => new MaintenanceStepsState(),
            (MaintenanceStepsState state) =>
            {
                var ranked = priority != MaintenancePriority.Unspecified && state.Priority == MaintenancePriority.Unspecified;
                if (ranked) state.Priority = priority;
                var added = MaintenanceSteps.Record(state, step, at);
                return (added, added || ranked);
            },
            cancellationToken);
    }

    /// <summary>The steps of <paramref name="requestId"/>, oldest first, and its priority (empty before its first step).</summary>
    /// <param name="requestId">The request.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The steps.</returns>
    public async Task<MaintenanceStepsState> GetAsync(string requestId, CancellationToken cancellationToken) =>
        await dapr.GetStateAsync<MaintenanceStepsState?>(options.StateStoreName, Key(requestId), ConsistencyMode.Strong, cancellationToken: cancellationToken)
            ?? new MaintenanceStepsState();

    private static string Key(string requestId) => $"steps-{requestId}";
}
