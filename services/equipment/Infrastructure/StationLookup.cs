using Grpc.Core;
using Mtaeda.Contracts.Stations.V1;
using StationsClient = Mtaeda.Contracts.Stations.V1.Stations.StationsClient;

namespace Mtaeda.Equipment.Infrastructure;

/// <summary>A station as installing a turnstile needs it: whether it is open, and the lines it serves.</summary>
/// <param name="StationId">The station.</param>
/// <param name="Status">Its status.</param>
/// <param name="LineIds">Lines serving it.</param>
public sealed record StationInfo(string StationId, StationStatus Status, IReadOnlyList<string> LineIds);

/// <summary>Looks stations up in the stations context, the owner of the answer.</summary>
public interface IStationLookup
{
    /// <summary>The station, or null when it is not registered.</summary>
    /// <param name="stationId">The station.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The station, or null.</returns>
    /// <exception cref="RpcException">The stations service could not answer.</exception>
    Task<StationInfo?> FindAsync(string stationId, CancellationToken cancellationToken);
}

/// <summary><see cref="IStationLookup"/> over the stations service's gRPC API, called through the sidecar.</summary>
/// <param name="client">A Stations client whose calls go through the Dapr sidecar (<c>dapr-app-id: stations</c>).</param>
/// <param name="time">The clock (deadlines).</param>
public sealed class StationsServiceLookup(StationsClient client, TimeProvider time) : IStationLookup
{
    /// <summary>The app id of the stations service.</summary>
    public const string AppId = "stations";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public async Task<StationInfo?> FindAsync(string stationId, CancellationToken cancellationToken)
    {
        try
        {
            var station = await client.GetStationAsync(
                new GetStationRequest { StationId = stationId },
                deadline: time.GetUtcNow().UtcDateTime + Timeout,
                cancellationToken: cancellationToken);
            return new StationInfo(station.StationId, station.Status, [.. station.LineIds]);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }
}
