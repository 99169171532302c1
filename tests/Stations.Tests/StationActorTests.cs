using Dapr.Actors;
using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Domain;

namespace Mtaeda.Stations.Tests;

public sealed class StationActorTests : IDisposable
{
    private static readonly PostalAddress Main = new("42 Main Street", "Springfield", "", "");
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 8, 30, 0, TimeSpan.Zero);
    private readonly DaprClient _dapr = new DaprClientBuilder().Build();
    private readonly InMemoryActorStateManager _state = new(saveEveryWrite: true);

    public void Dispose() => _dapr.Dispose();

    private TestableStationActor Actor(string id = "stn-042") =>
        new(ActorHost.CreateForTest<StationActor>(StationActor.TypeName, new ActorTestOptions { ActorId = new ActorId(id) }), _dapr, _state);

    [Fact]
    public async Task A_command_saves_the_station_and_its_events_in_the_same_turn()
    {
        var actor = Actor();

        var reply = await actor.RegisterAsync(new RegisterStationCommand("Central Square", Main, ["A"]));

        Assert.Null(reply.Refusal);
        Assert.Equal(StationStatus.Active, reply.Station!.Status);
        Assert.NotNull(reply.RegisteredAt);
        var pending = Assert.Single(await actor.PendingEventsAsync());
        Assert.Equal(Topics.Stations, pending.Topic);
        Assert.Equal(EventType.Of<StationRegistered>(), pending.Type);
        Assert.Equal("stn-042", IntegrationEvents.FromJson<StationRegistered>(pending.Json).StationId);
        Assert.Contains(StationActor.StateKey, _state.StoredKeys);
    }

    [Fact]
    public async Task Closing_emits_StationClosed_with_the_turnstiles_the_equipment_events_reported()
    {
        var actor = Actor();
        await actor.RegisterAsync(new RegisterStationCommand("Central Square", Main, ["A"]));
        await actor.RecordEquipmentAsync(new EquipmentChange(EquipmentKind.Turnstile, "ts-042-02", Installed: true, T0));
        await actor.RecordEquipmentAsync(new EquipmentChange(EquipmentKind.Turnstile, "ts-042-01", Installed: true, T0));
        await actor.RecordEquipmentAsync(new EquipmentChange(EquipmentKind.Camera, "cam-042-01", Installed: true, T0));

        var reply = await actor.CloseAsync(new StationStatusCommand("line rerouted"));

        Assert.Equal(StationStatus.Closed, reply.Station!.Status);
        var closed = (await actor.PendingEventsAsync()).Last();
        Assert.Equal(EventType.Of<StationClosed>(), closed.Type);
        var message = IntegrationEvents.FromJson<StationClosed>(closed.Json);
        Assert.Equal(["ts-042-01", "ts-042-02"], message.TurnstileIds);
        Assert.Equal("line rerouted", message.Reason);
        Assert.Equal(["cam-042-01"], (await actor.GetAsync()).Station!.CameraIds);
    }

    [Fact]
    public async Task A_refused_command_answers_the_rule_and_changes_neither_state_nor_outbox()
    {
        var actor = Actor();
        await actor.RegisterAsync(new RegisterStationCommand("Central Square", Main, ["A"]));
        await actor.CloseAsync(new StationStatusCommand(""));
        var before = await actor.GetAsync();
        var outbox = (await actor.PendingEventsAsync()).Count;

        var offline = await actor.TakeOfflineAsync(new StationStatusCommand("flooding"));
        var conflict = await actor.RegisterAsync(new RegisterStationCommand("Elsewhere", Main, ["A"]));
        var repeat = await actor.CloseAsync(new StationStatusCommand("again"));

        Assert.Equal(RefusalKind.FailedPrecondition, offline.Refusal?.Kind);
        Assert.Equal(RefusalKind.AlreadyExists, conflict.Refusal?.Kind);
        Assert.Equal("station_id", conflict.Refusal?.Field);
        Assert.Null(repeat.Refusal);
        Assert.Equal(outbox, (await actor.PendingEventsAsync()).Count);
        Assert.Equal(before.Station!.LastModifiedAt, (await actor.GetAsync()).Station!.LastModifiedAt);
    }

    [Fact]
    public async Task An_unknown_station_is_not_found_and_reading_it_stores_nothing()
    {
        var actor = Actor("stn-404");

        var read = await actor.GetAsync();
        var rename = await actor.RenameAsync(new RenameStationCommand("X"));

        Assert.Equal(RefusalKind.NotFound, read.Refusal?.Kind);
        Assert.Equal(RefusalKind.NotFound, rename.Refusal?.Kind);
        Assert.Empty(_state.StoredKeys);
    }

    [Fact]
    public async Task Equipment_facts_for_a_station_not_yet_registered_are_kept_for_when_it_is()
    {
        var actor = Actor();
        await actor.RecordEquipmentAsync(new EquipmentChange(EquipmentKind.Turnstile, "ts-1", Installed: true, T0));

        await actor.RegisterAsync(new RegisterStationCommand("Central Square", Main, ["A"]));

        Assert.Equal(["ts-1"], (await actor.GetAsync()).Station!.TurnstileIds);
    }

    /// <summary>The Station actor over test state (the state manager's setter is protected).</summary>
    private sealed class TestableStationActor : StationActor
    {
        public TestableStationActor(ActorHost host, DaprClient dapr, IActorStateManager state)
            : base(host, dapr, TimeProvider.System) => StateManager = state;
    }
}
