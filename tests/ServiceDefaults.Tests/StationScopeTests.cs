using Grpc.Core;
using Mtaeda.ServiceDefaults.Callers;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>What a caller reads, station by station (ADR 0009): a service everything, a user their stations.</summary>
public sealed class StationScopeTests
{
    private sealed record Item(string Id, string StationId, string[] Covers);

    private static readonly Item[] Items =
    [
        new("north", "stn-001", ["stn-001"]),
        new("south", "stn-002", ["stn-002", "stn-003"]),
        new("everywhere", "stn-009", []),
    ];

    private static Caller User(params string[] stations) => new(new CallingUser("tech-001", "Ana", UserRole.Technician, stations), ["dashboard"]);

    private static readonly Caller Service = new(null, ["maintenance"]);

    [Fact]
    public void A_user_with_a_list_of_stations_reads_only_theirs_and_a_service_or_a_user_of_every_station_reads_all()
    {
        Assert.Equal(["north"], User("stn-001").Visible(Items, i => i.StationId).Select(i => i.Id));
        Assert.Equal(["north", "south", "everywhere"], Service.Visible(Items, i => i.StationId).Select(i => i.Id));
        Assert.Equal(["north", "south", "everywhere"], User(CallingUser.AllStations).Visible(Items, i => i.StationId).Select(i => i.Id));
    }

    [Fact]
    public void What_covers_several_stations_is_read_by_a_user_of_any_of_them_and_what_covers_none_listed_by_everyone()
    {
        Assert.Equal(["south", "everywhere"], User("stn-003").VisibleAny(Items, i => i.Covers).Select(i => i.Id));
        Assert.Equal(["everywhere"], User("stn-404").VisibleAny(Items, i => i.Covers).Select(i => i.Id));
        Assert.Equal(3, Service.VisibleAny(Items, i => i.Covers).Count());
    }

    [Fact]
    public void One_item_of_another_station_is_permission_denied_naming_the_user_and_the_station()
    {
        var refused = Assert.Throws<RpcException>(() => User("stn-001").RequireStation("stn-002"));
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Equal("tech-001 does not work at station stn-002", refused.Status.Detail);
        Assert.Equal(StatusCode.PermissionDenied, Assert.Throws<RpcException>(() => User("stn-001").RequireAnyStation(["stn-002", "stn-003"])).StatusCode);

        User("stn-001").RequireStation("stn-001");
        User("stn-001").RequireAnyStation([]);
        Service.RequireStation("stn-002");
        Service.RequireAnyStation(["stn-002"]);
    }
}
