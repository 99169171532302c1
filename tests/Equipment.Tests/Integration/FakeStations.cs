using Grpc.Core;
using Mtaeda.Contracts.Stations.V1;
using StationsApi = Mtaeda.Contracts.Stations.V1.Stations;

namespace Mtaeda.Equipment.Tests.Integration;

/// <summary>The stations service as equipment sees it: GetStation for a few fixed stations, hosted by <see cref="Testing.LocalRuntime.StartGrpcAppAsync{TService}"/>.</summary>
public sealed class FakeStations : StationsApi.StationsBase
{
    public static Station[] Known { get; } =
    [
        new() { StationId = "stn-1", Name = "Central", Status = StationStatus.Active, LineIds = { "A", "B" } },
        new() { StationId = "stn-2", Name = "Harbour", Status = StationStatus.Active, LineIds = { "C" } },
        new() { StationId = "stn-closed", Name = "Old Mill", Status = StationStatus.Closed, LineIds = { "A" } },
        new() { StationId = "stn-3", Name = "Riverside", Status = StationStatus.Active, LineIds = { "D" } },
    ];

    public override Task<Station> GetStation(GetStationRequest request, ServerCallContext context) =>
        Known.FirstOrDefault(s => s.StationId == request.StationId) is { } station
            ? Task.FromResult(station)
            : throw new RpcException(new Status(StatusCode.NotFound, $"station {request.StationId} is not registered"));
}
