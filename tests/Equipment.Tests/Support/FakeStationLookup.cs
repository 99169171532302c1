using Mtaeda.Equipment.Infrastructure;
using Grpc.Core;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Equipment.Api;

namespace Mtaeda.Equipment.Tests.Support;

/// <summary>Stations as the tests need them.</summary>
public sealed class FakeStationLookup : IStationLookup
{
    public Dictionary<string, StationInfo> Stations { get; } = new(StringComparer.Ordinal)
    {
        ["stn-1"] = new("stn-1", StationStatus.Active, ["A", "B"]),
        ["stn-2"] = new("stn-2", StationStatus.Active, ["C"]),
        ["stn-off"] = new("stn-off", StationStatus.Offline, ["A"]),
        ["stn-closed"] = new("stn-closed", StationStatus.Closed, ["A"]),
    };

    public bool Unreachable { get; set; }

    public Task<StationInfo?> FindAsync(string stationId, CancellationToken cancellationToken) =>
        Unreachable
            ? throw new RpcException(new Status(StatusCode.Unavailable, "no route to stations"))
            : Task.FromResult(Stations.GetValueOrDefault(stationId));
}
