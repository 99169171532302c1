using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Ridership.V1;
using RidershipClient = Mtaeda.Contracts.Ridership.V1.Ridership.RidershipClient;

namespace Mtaeda.Maintenance.Infrastructure;

/// <summary>
/// How busy a station is, asked of ridership through the sidecar (gRPC with <c>dapr-app-id: ridership</c>, its public
/// <c>GetStationRidership</c>): the station's entries and exits over the last <see cref="MaintenanceOptions.LoadWindow"/>,
/// per minute, against <see cref="MaintenanceOptions.BusyPassagesPerMinute"/>. When ridership cannot answer in
/// <see cref="MaintenanceOptions.RidershipTimeout"/> (away, restarting, refusing), the load is
/// <see cref="StationLoad.Unknown"/> and that is logged: a request is never held up by a read side. A load ridership
/// told is kept for <see cref="MaintenanceOptions.StationLoadFreshFor"/> and ranks the station's next faults meanwhile
/// (an unknown load is not kept: the next fault asks again); faults of a station asking while a question is on its way
/// wait for its answer instead of asking again, and the intake asks ahead (<see cref="AskAhead"/>).
/// </summary>
/// <param name="ridership">The ridership client.</param>
/// <param name="options">The window, threshold and timeout.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">The logger.</param>
public sealed partial class StationLoadLookup(RidershipClient ridership, MaintenanceOptions options, TimeProvider time, ILogger<StationLoadLookup> logger)
{
    // The load ridership last told per station, and when it was asked (one entry per station: a bounded set).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (StationLoad Load, DateTimeOffset At)> _told = new(StringComparer.Ordinal);

    // The questions on their way to ridership, per station: a second fault of the station waits for the same answer.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<StationLoad>>> _asking = new(StringComparer.Ordinal);

    /// <summary>The load of <paramref name="stationId"/> now.</summary>
    /// <param name="stationId">The station.</param>
    /// <param name="cancellationToken">Cancels the wait (not the question, which others may be waiting for).</param>
    /// <returns>Busy, quiet, or unknown when ridership could not say.</returns>
    public Task<StationLoad> LoadOfAsync(string stationId, CancellationToken cancellationToken)
    {
        if (_told.TryGetValue(stationId, out var told) && time.GetUtcNow() - told.At < options.StationLoadFreshFor) return Task.FromResult(told.Load);
        var asking = _asking.GetOrAdd(stationId, id => new Lazy<Task<StationLoad>>(() => AskAsync(id)));
        return asking.Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Asks for the load of <paramref name="stationId"/> without waiting for it, so that the answer is there (or on its
    /// way) when the request is ranked: the fault intake asks ahead, and the process's first activity ranks.
    /// </summary>
    /// <param name="stationId">The station.</param>
    public void AskAhead(string stationId) =>
        _ = LoadOfAsync(stationId, CancellationToken.None).ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private async Task<StationLoad> AskAsync(string stationId)
    {
        try
        {
            var now = time.GetUtcNow();
            var figures = await ridership.GetStationRidershipAsync(
                new GetStationRidershipRequest
                {
                    StationId = stationId,
                    StartTime = Timestamp.FromDateTimeOffset(now - options.LoadWindow),
                    EndTime = Timestamp.FromDateTimeOffset(now),
                },
                deadline: DateTime.UtcNow + options.RidershipTimeout);
            var load = MaintenancePriorities.LoadOf(figures.Ingress + figures.Egress, options.LoadWindow, options.BusyPassagesPerMinute);
            _told[stationId] = (load, now);
            return load;
        }
        catch (RpcException e)
        {
            LogRidershipAway(stationId, e.StatusCode, e.Status.Detail);
            return StationLoad.Unknown;
        }
        finally
        {
            _asking.TryRemove(stationId, out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ridership could not say how busy station {StationId} is ({StatusCode}: {Detail}); the request is ranked without it")]
    private partial void LogRidershipAway(string stationId, StatusCode statusCode, string detail);
}
