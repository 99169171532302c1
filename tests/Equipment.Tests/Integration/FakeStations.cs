using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts.Stations.V1;
using StationsApi = Mtaeda.Contracts.Stations.V1.Stations;

namespace Mtaeda.Equipment.Tests.Integration;

/// <summary>The stations service as equipment sees it: GetStation for a few fixed stations, over h2c.</summary>
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

    public static async Task<WebApplication> StartAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<FakeStations>();
        await app.StartAsync(cancellationToken);
        return app;
    }
}
