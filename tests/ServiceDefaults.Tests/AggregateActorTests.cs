using Dapr.Actors;
using Dapr.Actors.Runtime;
using Dapr.Client;
using Google.Protobuf;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Testing;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>
/// The turn of every aggregate actor (<see cref="AggregateActor{TState, TAggregate}"/>), through an actor of the test's
/// own whose aggregate only names a station: what an accepted, a refused and an idle command leave in the actor's state
/// and outbox, and what the actor reads before its aggregate was ever created.
/// </summary>
public sealed class AggregateActorTests : IDisposable
{
    private readonly DaprClient _dapr = new DaprClientBuilder().Build();
    private readonly InMemoryActorStateManager _state = new(saveEveryWrite: true);

    public void Dispose() => _dapr.Dispose();

    private NamingActor Activate() =>
        new(ActorHost.CreateForTest<NamingActor>(new ActorTestOptions { ActorId = new ActorId("stn-042") }), _dapr, _state);

    [Fact]
    public async Task An_accepted_change_stores_the_state_under_its_key_with_its_events_and_answers_the_state_after_it()
    {
        var actor = Activate();

        var state = (await actor.RenameAsync("Central Square")).ValueOrThrow();

        Assert.Equal(("stn-042", "Central Square"), (state.StationId, state.Name));
        Assert.Equal("Central Square", _state.Stored<NameState>(NamingActor.StateKey)!.Name);
        var renamed = IntegrationEvents.FromJson<StationRenamed>(Assert.Single(await actor.PendingEventsAsync()).Json);
        Assert.Equal(("stn-042", "Central Square"), (renamed.StationId, renamed.Name));
    }

    [Fact]
    public async Task A_refused_command_answers_why_and_leaves_state_and_outbox_as_they_were_though_it_changed_its_copy_first()
    {
        var actor = Activate();
        await actor.RenameAsync("Central Square");

        var reply = await actor.RenameThenRefuseAsync("Central Plaza");

        Assert.Null(reply.Value);
        Assert.Equal((RefusalKind.FailedPrecondition, ErrorReason.StationClosed), (reply.Refusal?.Kind, reply.Refusal?.Reason));
        Assert.Equal("Central Square", _state.Stored<NameState>(NamingActor.StateKey)!.Name);
        Assert.Equal("Central Square", (await actor.ReadAsync()).Name);
        Assert.Single(await actor.PendingEventsAsync());
    }

    [Fact]
    public async Task A_command_that_changes_nothing_is_accepted_and_saves_nothing()
    {
        var actor = Activate();

        var state = (await actor.RenameAsync("")).ValueOrThrow();

        Assert.Equal(("stn-042", ""), (state.StationId, state.Name));
        Assert.Empty(_state.StoredKeys);
        Assert.Empty(await actor.PendingEventsAsync());
    }

    [Fact]
    public async Task Before_its_aggregate_is_created_the_actor_reads_the_empty_state_for_its_id_without_storing_it()
    {
        var state = await Activate().ReadAsync();

        Assert.Equal(("stn-042", ""), (state.StationId, state.Name));
        Assert.Empty(_state.StoredKeys);
    }

    /// <summary>The actor's interface (the SDK hosts only actors that implement one).</summary>
    public interface INamingActor : IActor
    {
    }

    /// <summary>The test aggregate's state.</summary>
    public sealed class NameState
    {
        public string StationId { get; set; } = "";

        public string Name { get; set; } = "";
    }

    /// <summary>An aggregate that names a station (StationRenamed), changing nothing when the name is the same.</summary>
    private sealed class Naming(NameState state) : IAggregate<NameState>
    {
        private readonly List<IMessage> _events = [];

        public NameState State => state;

        public bool Changed { get; private set; }

        public IReadOnlyList<IMessage> Events => _events;

        public void Rename(string name)
        {
            if (name == State.Name) return;
            _events.Add(new StationRenamed { StationId = State.StationId, PreviousName = State.Name, Name = name });
            State.Name = name;
            Changed = true;
        }
    }

    /// <summary>An aggregate actor over the test's state, its aggregate over a copy of the stored state.</summary>
    private sealed class NamingActor : AggregateActor<NameState, Naming>, INamingActor
    {
        public const string StateKey = "name";

        public NamingActor(ActorHost host, DaprClient dapr, InMemoryActorStateManager state)
            : base(host, dapr, StateKey, id => new NameState { StationId = id }, stored => new Naming(new NameState { StationId = stored.StationId, Name = stored.Name }))
        {
            StateManager = state;
        }

        public Task<ActorReply<NameState>> RenameAsync(string name) => DecideAsync(n => n.Rename(name));

        /// <summary>A command that changes its copy of the state, then refuses.</summary>
        public Task<ActorReply<NameState>> RenameThenRefuseAsync(string name) => DecideAsync(n =>
        {
            n.Rename(name);
            throw DomainRefusalException.Refused(ErrorReason.StationClosed, "refused after a change (test)");
        });

        public Task<NameState> ReadAsync() => LoadAsync();
    }
}
