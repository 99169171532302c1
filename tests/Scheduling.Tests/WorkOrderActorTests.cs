using Dapr.Actors;
using Dapr.Actors.Runtime;
using Dapr.Client;
using Mtaeda.Scheduling.Actors;
using Mtaeda.Scheduling.Domain;
using Mtaeda.Scheduling.Infrastructure;
using Mtaeda.ServiceDefaults;
using Microsoft.Extensions.Time.Testing;

namespace Mtaeda.Scheduling.Tests;

/// <summary>The WorkOrder actor: each transition is stored with its event in the outbox, a refusal changes neither.</summary>
public sealed class WorkOrderActorTests : IDisposable
{
    private readonly DaprClient _dapr = new DaprClientBuilder().Build();
    private readonly InMemoryActorStateManager _state = new(saveEveryWrite: true);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 7, 30, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dapr.Dispose();

    private TestableWorkOrderActor Actor(string id = "wo-1") =>
        new(ActorHost.CreateForTest<WorkOrderActor>(WorkOrderActor.TypeName, new ActorTestOptions { ActorId = new ActorId(id) }), _dapr, _state, _time);

    private static CreateWorkOrderCommand Create => new("req-1", "ts-001-01", DeviceKind.Turnstile, "stn-001", MaintenancePriority.High, "jammed", null, "maintenance");

    [Fact]
    public async Task Each_transition_is_saved_with_its_event_for_the_scheduling_topic()
    {
        var actor = Actor();

        await actor.CreateAsync(Create);
        _time.Advance(TimeSpan.FromMinutes(5));
        await actor.AssignAsync(new AssignWorkOrderCommand("tech-001", "dispatcher"));
        await actor.StartAsync(new WorkOrderCommand("", "tech-001"));
        var completed = await actor.CompleteAsync(new WorkOrderCommand("replaced the arm", "tech-001"));

        Assert.Null(completed.Refusal);
        Assert.Equal(WorkOrderStatus.Completed, completed.Value!.Status);
        Assert.Equal(_time.GetUtcNow(), completed.Value.CompletedAt);
        var pending = await actor.PendingEventsAsync();
        Assert.All(pending, e => Assert.Equal(Topics.Scheduling, e.Topic));
        Assert.Equal(
            [EventType.Of<WorkOrderCreated>(), EventType.Of<WorkOrderAssigned>(), EventType.Of<WorkOrderStarted>(), EventType.Of<WorkOrderCompleted>()],
            pending.Select(e => e.Type));
        Assert.Equal("req-1", IntegrationEvents.FromJson<WorkOrderCompleted>(pending[^1].Json).RequestId);
        Assert.Equal(WorkOrderStatus.Completed, (await Actor().GetAsync()).Value!.Status);
    }

    [Fact]
    public async Task A_refused_command_answers_its_reason_and_changes_neither_state_nor_outbox()
    {
        var actor = Actor();
        await actor.CreateAsync(Create);
        await actor.CancelAsync(new WorkOrderCommand("duplicate", "dispatcher"));
        var outbox = (await actor.PendingEventsAsync()).Count;

        var assign = await actor.AssignAsync(new AssignWorkOrderCommand("tech-001", "dispatcher"));
        var complete = await actor.CompleteAsync(new WorkOrderCommand("", "tech-001"));

        Assert.Equal(RefusalKind.FailedPrecondition, assign.Refusal?.Kind);
        Assert.Equal(ErrorReason.WorkOrderCancelled, assign.Refusal?.Reason);
        Assert.Equal(ErrorReason.WorkOrderCancelled, complete.Refusal?.Reason);
        Assert.Equal(outbox, (await actor.PendingEventsAsync()).Count);
        Assert.Equal(WorkOrderStatus.Cancelled, (await actor.GetAsync()).Value!.Status);
    }

    [Fact]
    public async Task An_order_never_created_is_NotFound()
    {
        var reply = await Actor("wo-404").GetAsync();

        Assert.Equal(RefusalKind.NotFound, reply.Refusal?.Kind);
        Assert.Null(reply.Value);
        Assert.DoesNotContain(WorkOrderActor.StateKey, _state.StoredKeys);
    }

    [Fact]
    public async Task A_turn_saved_but_never_published_has_its_copy_written_at_the_outbox_sweep()
    {
        // The process died after the turn's save, before its event went out and before the order's copy was written: the
        // outbox's reminder (armed before the save) sweeps in the next activation, which publishes the event and writes the copy.
        await using var runtime = LocalRuntime.Create();
        var sidecar = await runtime.StartSidecarAsync("scheduling", Ct);
        var host = ActorHost.CreateForTest<WorkOrderActor>(WorkOrderActor.TypeName, new ActorTestOptions { ActorId = new ActorId("wo-1"), TimerManager = new NoTimers() });
        var actor = new TestableWorkOrderActor(host, sidecar.Client, _state, _time, new WorkOrderReadModel(sidecar.Client, new SchedulingOptions()));
        await actor.CreateAsync(Create);
        Assert.Null(await sidecar.Client.GetStateAsync<WorkOrderState?>("statestore", WorkOrderReadModel.ViewKey("wo-1"), cancellationToken: Ct));

        await actor.ReceiveReminderAsync(OutboxActor.OutboxReminder, [], OutboxActor.SweepAfter, OutboxActor.SweepAfter);

        var copy = await sidecar.Client.GetStateAsync<WorkOrderState>("statestore", WorkOrderReadModel.ViewKey("wo-1"), cancellationToken: Ct);
        Assert.Equal((WorkOrderStatus.Created, 1L, "stn-001"), (copy.Status, copy.Version, copy.StationId));
        Assert.Equal(["wo-1"], await sidecar.Client.GetStateAsync<List<string>>("statestore", WorkOrderReadModel.OpenKey("stn-001"), cancellationToken: Ct));
        Assert.Empty(await actor.PendingEventsAsync());
    }

    private sealed class TestableWorkOrderActor : WorkOrderActor
    {
        public TestableWorkOrderActor(ActorHost host, DaprClient dapr, IActorStateManager state, TimeProvider time, WorkOrderReadModel? readModel = null)
            : base(host, dapr, time, readModel ?? new WorkOrderReadModel(dapr, new SchedulingOptions())) => StateManager = state;
    }

    /// <summary>Reminders accepted and forgotten: the test delivers the outbox's reminder itself.</summary>
    private sealed class NoTimers : ActorTimerManager
    {
        public override Task RegisterReminderAsync(ActorReminder reminder) => Task.CompletedTask;

        public override Task UnregisterReminderAsync(ActorReminderToken reminder) => Task.CompletedTask;

        public override Task RegisterTimerAsync(ActorTimer timer) => Task.CompletedTask;

        public override Task UnregisterTimerAsync(ActorTimerToken timer) => Task.CompletedTask;

        public override Task<IActorReminder?> GetReminderAsync(ActorReminderToken reminder) => Task.FromResult<IActorReminder?>(null);
    }
}
