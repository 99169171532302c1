using Mtaeda.Equipment.Actors;
using Mtaeda.Equipment.Domain;
using Mtaeda.Equipment.Tests.Support;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Equipment.Tests.Actors;

/// <summary>The turnstile actor made with <c>ActorHost.CreateForTest</c>: state and outbox after each turn.</summary>
public sealed class TurnstileActorTests : ActorWorldTest
{
    private IReadOnlyList<OutboxEntry> Outbox(string id = "ts-1") => World.Outbox(TurnstileActor.TypeName, id);

    private TurnstileState? Saved(string id = "ts-1") => World.State(TurnstileActor.TypeName, id).Stored<TurnstileState>(TurnstileActor.StateKey);

    private async Task<ITurnstileActor> InstalledAsync(long max = 10, string id = "ts-1")
    {
        var actor = World.Turnstile(id);
        var reply = await actor.InstallAsync(Install(max: max));
        Assert.True(reply.Outcome.IsAccepted, reply.Outcome.Message);
        return actor;
    }

    private static T Event<T>(OutboxEntry entry)
        where T : Google.Protobuf.IMessage<T>, new() => IntegrationEvents.FromJson<T>(entry.Json);

    [Fact]
    public async Task Installing_saves_the_turnstile_and_puts_TurnstileInstalled_in_the_outbox_in_the_same_turn()
    {
        var actor = World.Turnstile("ts-1");

        var reply = await actor.InstallAsync(Install());

        Assert.True(reply.Outcome.IsAccepted);
        Assert.Equal(T0, reply.InstalledAt);
        Assert.Equal(TurnstileStatus.Operational, Saved()!.Status);
        var entry = Assert.Single(Outbox());
        Assert.Equal("equipment", entry.Topic);
        Assert.Equal("mtaeda.equipment.v1.TurnstileInstalled", entry.Type);
        Assert.False(string.IsNullOrEmpty(entry.Id));
        Assert.Equal("stn-1", Event<TurnstileInstalled>(entry).StationId);
        Assert.Equal(1, World.State(TurnstileActor.TypeName, "ts-1").Saves);
    }

    [Fact]
    public async Task A_refused_command_saves_nothing_and_emits_nothing()
    {
        var actor = World.Turnstile("ts-1");

        var passages = await actor.RecordPassagesAsync(Batch("b-1", 1, 0));
        var state = await actor.GetAsync();

        Assert.Equal(RefusalKind.NotFound, passages.Outcome.Kind);
        Assert.Null(state);
        Assert.Empty(World.State(TurnstileActor.TypeName, "ts-1").StoredKeys);
    }

    [Fact]
    public async Task A_replayed_batch_is_counted_once_and_emitted_once()
    {
        var actor = await InstalledAsync();

        var first = await actor.RecordPassagesAsync(Batch("b-1", 3, 2));
        World.Deactivate(TurnstileActor.TypeName, "ts-1");
        var replay = await actor.RecordPassagesAsync(Batch("b-1", 3, 2));

        Assert.False(first.Duplicate);
        Assert.True(replay.Duplicate);
        Assert.True(replay.Outcome.IsAccepted);
        var saved = Saved()!;
        Assert.Equal(3, saved.IngressCount);
        Assert.Equal(2, saved.EgressCount);
        var recorded = Assert.Single(Outbox(), e => e.Type == "mtaeda.equipment.v1.PassagesRecorded");
        Assert.Equal("b-1", Event<PassagesRecorded>(recorded).BatchId);
    }

    [Fact]
    public async Task The_threshold_event_is_emitted_once()
    {
        var actor = await InstalledAsync(max: 6);

        await actor.RecordPassagesAsync(Batch("b-1", 2, 2));
        await actor.RecordPassagesAsync(Batch("b-2", 2, 1));
        await actor.RecordPassagesAsync(Batch("b-3", 4, 4));
        await actor.RecordPassagesAsync(Batch("b-2", 2, 1));

        var exceeded = Assert.Single(Outbox(), e => e.Type == "mtaeda.equipment.v1.TurnstilePassageThresholdExceeded");
        var message = Event<TurnstilePassageThresholdExceeded>(exceeded);
        Assert.Equal("b-2", message.BatchId);
        Assert.Equal(7, message.PassageCount);
        Assert.True(Saved()!.PassageThresholdExceeded);
        Assert.Equal(
            ["TurnstileInstalled", "PassagesRecorded", "PassagesRecorded", "TurnstilePassageThresholdExceeded", "PassagesRecorded"],
            Outbox().Select(e => e.Type["mtaeda.equipment.v1.".Length..]));
    }

    [Fact]
    public async Task A_jam_locks_the_turnstile_refuses_passages_until_restored_and_emits_locked_then_restored()
    {
        var actor = await InstalledAsync();

        var fault = await actor.ReportFaultAsync(new FaultReport { Kind = FaultKind.Jammed, Reason = "coin jam", FaultId = "ts-1:41" });
        var refused = await actor.RecordPassagesAsync(Batch("b-1", 1, 0));
        var again = await actor.ReportFaultAsync(new FaultReport { Kind = FaultKind.Jammed, Reason = "coin jam", FaultId = "ts-1:41" });
        var restore = await actor.RestoreAsync("cleared");
        var counted = await actor.RecordPassagesAsync(Batch("b-1", 1, 0));

        Assert.Equal(TurnstileStatus.Locked, fault.Status);
        Assert.Equal(RefusalKind.FailedPrecondition, refused.Outcome.Kind);
        Assert.Equal(TurnstileStatus.Locked, again.Status);
        Assert.Equal(TurnstileStatus.Operational, restore.Status);
        Assert.True(counted.Outcome.IsAccepted);
        Assert.Equal(
            ["TurnstileInstalled", "TurnstileLocked", "TurnstileRestored", "PassagesRecorded"],
            Outbox().Select(e => e.Type["mtaeda.equipment.v1.".Length..]));
        var locked = Event<TurnstileLocked>(Outbox()[1]);
        Assert.Equal(FaultKind.Jammed, locked.Kind);
        Assert.Equal("coin jam", locked.Reason);
        Assert.Equal(TurnstileStatus.Locked, Event<TurnstileRestored>(Outbox()[2]).PreviousStatus);
    }

    [Fact]
    public async Task A_malfunction_emits_TurnstileFaulted()
    {
        var actor = await InstalledAsync();

        var reply = await actor.ReportFaultAsync(new FaultReport { Kind = FaultKind.Malfunction, Reason = "reader offline" });

        Assert.Equal(TurnstileStatus.Faulted, reply.Status);
        Assert.Equal("reader offline", Event<TurnstileFaulted>(Outbox()[^1]).Reason);
    }

    [Fact]
    public async Task Decommissioning_twice_emits_once_and_answers_the_original_time()
    {
        var actor = await InstalledAsync();
        await actor.AttachCameraAsync("cam-1");

        var first = await actor.DecommissionAsync(new DecommissionTurnstile { Reason = "replaced" });
        World.Clock.Advance(TimeSpan.FromHours(1));
        var second = await actor.DecommissionAsync(new DecommissionTurnstile { Reason = "again" });

        Assert.Equal("cam-1", first.RemovedCameraId);
        Assert.Null(second.RemovedCameraId);
        Assert.Equal(T0, second.DecommissionedAt);
        Assert.Equal(
            ["TurnstileInstalled", "TurnstileCameraInstalled", "TurnstileCameraUninstalled", "TurnstileDecommissioned"],
            Outbox().Select(e => e.Type["mtaeda.equipment.v1.".Length..]));
        Assert.Equal(4, Outbox().Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_repeated_install_answers_the_original_time_and_emits_nothing_more()
    {
        var actor = await InstalledAsync();
        World.Clock.Advance(TimeSpan.FromMinutes(3));

        var repeat = await actor.InstallAsync(Install());
        var conflict = await actor.InstallAsync(Install(station: "stn-2"));

        Assert.True(repeat.Outcome.IsAccepted);
        Assert.Equal(T0, repeat.InstalledAt);
        Assert.Equal(RefusalKind.AlreadyExists, conflict.Outcome.Kind);
        Assert.Single(Outbox());
    }

    [Fact]
    public async Task State_survives_deactivation()
    {
        var actor = await InstalledAsync();
        await actor.RecordPassagesAsync(Batch("b-1", 5, 1));

        World.Deactivate(TurnstileActor.TypeName, "ts-1");
        var state = await actor.GetAsync();

        Assert.NotNull(state);
        Assert.Equal(5, state.IngressCount);
        Assert.Equal(["b-1"], state.RecentBatchIds);
        Assert.Equal(Gate, state.Model);
    }
}
