using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Ridership.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Testing;

namespace Mtaeda.RealDapr.Tests;

/// <summary>
/// The end-to-end scenarios on real daprd (<see cref="RealDaprSystem"/>), once on the Redis set and once on the Kafka set:
/// what the local runtime's end-to-end tests check, here with the sidecars, brokers and stores production uses.
/// </summary>
public sealed class ScenarioTests(RealDaprSystems systems)
{
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The broker sets every scenario runs on.</summary>
    public static TheoryData<Broker> Brokers => [Broker.Redis, Broker.Kafka];

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Passages_recorded_by_equipment_reach_ridership(Broker broker)
    {
        var system = await systems.GetAsync(broker);
        var (station, turnstile) = ($"stn-pass-{broker}", $"ts-pass-{broker}-01");
        await ProvisionAsync(system, station, turnstile);
        var minute = DateTime.UtcNow.AddTicks(-(DateTime.UtcNow.Ticks % TimeSpan.TicksPerMinute));

        await new Equipment.EquipmentClient(system.Invoker("equipment")).RecordPassagesAsync(new RecordPassagesRequest
        {
            BatchId = $"{turnstile}-1", TurnstileId = turnstile, Ingress = 3, Egress = 2,
            IntervalStart = Timestamp.FromDateTime(minute), IntervalEnd = Timestamp.FromDateTime(minute.AddSeconds(1)),
        }, cancellationToken: Ct);

        var ridership = new Ridership.RidershipClient(system.Invoker("ridership"));
        var counted = await Eventually.MatchesAsync(
            () => ridership.GetTurnstileRidershipAsync(new GetTurnstileRidershipRequest
            {
                TurnstileId = turnstile, StartTime = Timestamp.FromDateTime(minute.AddMinutes(-1)), EndTime = Timestamp.FromDateTime(minute.AddMinutes(2)),
            }, cancellationToken: Ct).ResponseAsync,
            r => r.Ingress + r.Egress >= 5, Within, Ct, $"ridership to count {turnstile}'s passages on {broker}");
        Assert.Equal((3, 2), (counted.Ingress, counted.Egress));
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Closing_a_station_decommissions_its_turnstiles(Broker broker)
    {
        var system = await systems.GetAsync(broker);
        var station = $"stn-close-{broker}";
        string[] turnstiles = [$"ts-close-{broker}-01", $"ts-close-{broker}-02"];
        await ProvisionAsync(system, station, turnstiles);
        var stations = new Stations.StationsClient(system.Invoker("stations"));
        var equipment = new Equipment.EquipmentClient(system.Invoker("equipment"));
        // The station learns its inventory from TurnstileInstalled events.
        await Eventually.UntilAsync(async () => (await stations.GetStationAsync(new GetStationRequest { StationId = station }, cancellationToken: Ct)).TurnstileIds.Count == 2,
            $"{station}'s inventory on {broker}", Within, Ct);

        await stations.CloseStationAsync(new CloseStationRequest { StationId = station, Reason = "renovation" }, cancellationToken: Ct);

        foreach (var id in turnstiles)
            await Eventually.UntilAsync(async () => (await equipment.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = id }, cancellationToken: Ct)).Status == TurnstileStatus.Decommissioned,
                $"{id} decommissioned on {broker}", Within, Ct);
    }

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task A_jammed_turnstile_becomes_a_work_order(Broker broker)
    {
        var system = await systems.GetAsync(broker);
        var (station, turnstile) = ($"stn-jam-{broker}", $"ts-jam-{broker}-01");
        await ProvisionAsync(system, station, turnstile);

        await new Equipment.EquipmentClient(system.Invoker("equipment")).ReportFaultAsync(
            new ReportFaultRequest { TurnstileId = turnstile, Kind = FaultKind.Jammed, Reason = "ticket stuck in the reader", FaultId = $"{turnstile}-jam-1" }, cancellationToken: Ct);

        var scheduling = new Scheduling.SchedulingClient(system.Invoker("scheduling"));
        var orders = await Eventually.MatchesAsync(
            () => scheduling.ListWorkOrdersAsync(new ListWorkOrdersRequest { StationId = station }, cancellationToken: Ct).ResponseAsync,
            list => list.WorkOrders.Count > 0, Within, Ct, $"a work order at {station} on {broker}");
        Assert.Equal(turnstile, Assert.Single(orders.WorkOrders).DeviceId);
    }

    private static async Task ProvisionAsync(RealDaprSystem system, string stationId, params string[] turnstiles)
    {
        await new Stations.StationsClient(system.Invoker("stations")).RegisterStationAsync(new RegisterStationRequest
        {
            StationId = stationId, Name = stationId, LineIds = { "red" },
            Address = new StationAddress { StreetAddress = "1 Rail Road", City = "Metro", PostalCode = "00001" },
        }, cancellationToken: Ct);
        var equipment = new Equipment.EquipmentClient(system.Invoker("equipment"));
        foreach (var id in turnstiles)
        {
            await equipment.InstallTurnstileAsync(new InstallTurnstileRequest
            {
                TurnstileId = id, StationId = stationId, LineIds = { "red" }, MaxPassagesBeforeMaintenance = 1_000_000,
                Model = new EquipmentInfo { SerialNumber = id, Name = "Gate", ModelNumber = "G-100", Manufacturer = "Acme" },
            }, cancellationToken: Ct);
        }
    }
}
