using Dapr;
using Dapr.Actors;
using Dapr.Actors.Runtime;
using Dapr.Client;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Domain;
using Mtaeda.Testing;

namespace Mtaeda.Stations.Tests;

/// <summary>
/// The outbox of every aggregate actor (<see cref="OutboxActor"/>), through the Station actor: turns run as the runtime
/// runs them (the method, then <c>OnPostActorMethodAsync</c>), publishing recorded or failed on demand, reminders
/// recorded.
/// </summary>
public sealed class OutboxActorTests : IDisposable
{
    private static readonly PostalAddress Main = new("42 Main Street", "Springfield", "", "");
    private readonly DaprClient _dapr = new DaprClientBuilder().Build();
    private readonly InMemoryActorStateManager _state = new(saveEveryWrite: true);
    private readonly RecordingTimers _timers = new();
    private readonly List<OutboxEntry> _published = [];
    private int _failures;

    public void Dispose() => _dapr.Dispose();

    private PublishingStationActor Activate() =>
        new(ActorHost.CreateForTest<StationActor>(StationActor.TypeName, new ActorTestOptions { ActorId = new ActorId("stn-042"), TimerManager = _timers }), this);

    private List<OutboxEntry> Stored => _state.Stored<List<OutboxEntry>>("outbox") ?? [];

    private static async Task TurnAsync(PublishingStationActor actor, Func<PublishingStationActor, Task> method)
    {
        await method(actor);
        await actor.EndTurnAsync();
    }

    [Fact]
    public async Task Events_are_published_in_the_turn_that_saved_them_in_order_with_the_ids_they_were_stored_with()
    {
        var actor = Activate();

        await actor.RegisterAsync(new RegisterStationCommand("Central Square", Main, ["A"]));
        var stored = Stored.Single();
        await actor.EndTurnAsync();
        await TurnAsync(actor, a => a.RenameAsync(new RenameStationCommand("Central Plaza")));

        Assert.Equal([EventType.Of<StationRegistered>(), EventType.Of<StationRenamed>()], _published.Select(e => e.Type));
        Assert.Equal(stored, _published[0]);
        Assert.All(_published, e => Assert.Equal(Topics.Stations, e.Topic));
        Assert.Empty(await actor.PendingEventsAsync());
        // Published entries leave the stored outbox with the next turn's save; one reminder per activation, as a safety
        // net, periodic, its first sweep at a random point of the second period.
        Assert.Equal(_published[1].Id, Assert.Single(Stored).Id);
        var reminder = Assert.Single(_timers.Reminders);
        Assert.Equal((OutboxActor.OutboxReminder, OutboxActor.SweepAfter), (reminder.Name, reminder.Period));
        Assert.InRange(reminder.DueTime, OutboxActor.SweepAfter, OutboxActor.SweepAfter * 2);
    }

    [Fact]
    public async Task A_sweep_clears_what_was_published_and_the_next_one_with_nothing_emitted_since_unregisters_the_reminder()
    {
        var actor = Activate();
        await TurnAsync(actor, a => a.RegisterAsync(new RegisterStationCommand("Central Square", Main, ["A"])));

        await actor.ReceiveReminderAsync(OutboxActor.OutboxReminder, [], OutboxActor.SweepAfter, OutboxActor.SweepAfter);
        Assert.Empty(Stored);
        Assert.Empty(_timers.Unregistered);

        await actor.ReceiveReminderAsync(OutboxActor.OutboxReminder, [], OutboxActor.SweepAfter, OutboxActor.SweepAfter);
        Assert.Equal([OutboxActor.OutboxReminder], _timers.Unregistered);
        Assert.Single(_published);

        // Emitting again arms it again.
        await TurnAsync(actor, a => a.RenameAsync(new RenameStationCommand("Central Plaza")));
        Assert.Equal(2, _timers.Reminders.Count);
    }

    [Fact]
    public async Task A_failed_publish_keeps_the_events_which_go_out_first_at_the_next_turn_or_by_the_reminder()
    {
        var actor = Activate();
        _failures = 1;

        await TurnAsync(actor, a => a.RegisterAsync(new RegisterStationCommand("Central Square", Main, ["A"])));

        Assert.Empty(_published);
        var pending = Assert.Single(await actor.PendingEventsAsync());
        Assert.Equal(OutboxActor.RetryAfter, _timers.Reminders[^1].DueTime);

        await TurnAsync(actor, a => a.RenameAsync(new RenameStationCommand("Central Plaza")));
        Assert.Equal([pending.Id, Stored[1].Id], _published.Select(e => e.Id));

        await actor.ReceiveReminderAsync(OutboxActor.OutboxReminder, [], OutboxActor.RetryAfter, OutboxActor.SweepAfter);
        Assert.Equal(2, _published.Count);
        Assert.Empty(Stored);
    }

    [Fact]
    public async Task After_a_crash_between_the_save_and_the_publish_the_reminder_publishes_what_the_store_holds_with_the_same_ids()
    {
        // The turn is saved but its process dies before publishing (here: the publish fails and the activation is lost).
        _failures = 1;
        await TurnAsync(Activate(), a => a.RegisterAsync(new RegisterStationCommand("Central Square", Main, ["A"])));
        var saved = Assert.Single(Stored);

        // A new activation (another process) gets the reminder that was registered before the save.
        var again = Activate();
        await again.ReceiveReminderAsync(OutboxActor.OutboxReminder, [], OutboxActor.SweepAfter, OutboxActor.SweepAfter);

        Assert.Equal(saved, Assert.Single(_published));
        Assert.Empty(Stored);
        // The first registration came before the save; the new activation emitted nothing, so the reminder is let go.
        Assert.InRange(_timers.Reminders[0].DueTime, OutboxActor.SweepAfter, OutboxActor.SweepAfter * 2);
        Assert.Equal([OutboxActor.OutboxReminder], _timers.Unregistered);
    }

    /// <summary>The Station actor over test state, publishing into the test.</summary>
    private sealed class PublishingStationActor : StationActor
    {
        private readonly OutboxActorTests _test;

        public PublishingStationActor(ActorHost host, OutboxActorTests test)
            : base(host, test._dapr, TimeProvider.System)
        {
            _test = test;
            StateManager = test._state;
        }

        /// <summary>What the runtime does at the end of a successful turn (its save follows and finds nothing left).</summary>
        public Task EndTurnAsync() => OnPostActorMethodAsync(default!);

        protected override Task PublishAsync(OutboxEntry entry, CancellationToken cancellationToken)
        {
            if (_test._failures > 0)
            {
                _test._failures--;
                throw new DaprException("publish failed", new RpcException(new Status(StatusCode.Unavailable, "sidecar unreachable")));
            }
            _test._published.Add(entry);
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingTimers : ActorTimerManager
    {
        public List<ActorReminder> Reminders { get; } = [];

        public List<string> Unregistered { get; } = [];

        public override Task RegisterReminderAsync(ActorReminder reminder)
        {
            Reminders.Add(reminder);
            return Task.CompletedTask;
        }

        public override Task UnregisterReminderAsync(ActorReminderToken reminder)
        {
            Unregistered.Add(reminder.Name);
            return Task.CompletedTask;
        }

        public override Task RegisterTimerAsync(ActorTimer timer) => Task.CompletedTask;

        public override Task UnregisterTimerAsync(ActorTimerToken timer) => Task.CompletedTask;

        public override Task<IActorReminder?> GetReminderAsync(ActorReminderToken reminder) => Task.FromResult<IActorReminder?>(null);
    }
}
