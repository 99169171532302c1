using Dapr.Actors.Runtime;
using Dapr.Client;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// An actor whose state changes and the events they cause are written together (the outbox of the aggregate actors; a
/// service whose state is in a state store has <see cref="StateOutbox"/>, and both publish as <see cref="OutboxPublishing"/> says). <see cref="EmitAsync"/> puts the
/// event in the actor's state; at the end of the turn the state (the turn's changes and the outbox) is saved in one
/// actor state transaction, and only then are the events published, in the same turn, in the order they were emitted.
/// <para>
/// What makes it safe: before the first save of an activation that emits, a periodic reminder
/// (<see cref="OutboxReminder"/>, every <see cref="SweepAfter"/>, the first time after a random delay of up to one more
/// period so that actors activated together do not sweep together) is registered. If the process dies between the save
/// and the publish, or a publish fails (the next sweep is then brought forward to <see cref="RetryAfter"/>), a sweep
/// publishes what the outbox still holds and clears it. A sweep that finds nothing emitted since the one before
/// unregisters the reminder, so an idle actor is not woken again. An event may so be published twice, always with the
/// same CloudEvent id, which subscribers de-duplicate: at-least-once delivery, exactly-once effects. Published entries
/// leave the stored outbox at the next emit or sweep, so a busy actor writes its state once per turn and touches its
/// reminder once per activation.
/// </para>
/// </summary>
/// <param name="host">The actor host.</param>
/// <param name="dapr">The Dapr client used to publish.</param>
public abstract class OutboxActor(ActorHost host, DaprClient dapr) : Actor(host), IRemindable
{
    /// <summary>The reminder that publishes what the outbox still holds.</summary>
    public const string OutboxReminder = "outbox";

    /// <summary>The period of the outbox reminder while the actor emits.</summary>
    public static readonly TimeSpan SweepAfter = TimeSpan.FromSeconds(30);

    /// <summary>When the reminder fires after a publish failed.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    private const string OutboxKey = "outbox";

    // Ids of stored entries this activation has published; they leave the stored outbox at the next emit or sweep.
    private readonly HashSet<string> _published = new(StringComparer.Ordinal);
    private bool _emitted;
    private bool _reminderArmed;
    private bool _emittedSinceSweep;

    /// <summary>The events emitted and not yet published (for tests and diagnostics).</summary>
    /// <returns>The pending events, oldest first.</returns>
    public async Task<IReadOnlyList<OutboxEntry>> PendingEventsAsync() => [.. (await StoredAsync()).Where(e => !_published.Contains(e.Id))];

    /// <summary>Adds <paramref name="message"/> to the outbox, for its topic (<see cref="Topics.Of"/>); it is published after this turn's state is saved.</summary>
    /// <param name="message">The event.</param>
    /// <returns>A task.</returns>
    protected async Task EmitAsync(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var outbox = await StateManager.GetOrAddStateAsync(OutboxKey, new List<OutboxEntry>());
        outbox.RemoveAll(e => _published.Contains(e.Id));
        outbox.Add(OutboxEntry.Of(message));
        await StateManager.SetStateAsync(OutboxKey, outbox);
        _emitted = true;
    }

    /// <summary>
    /// Stores what a command changed in the aggregate this actor holds: its state under <paramref name="stateKey"/> and the
    /// events it raised into the outbox, saved together at the end of the turn; an aggregate the command left unchanged
    /// stores nothing.
    /// </summary>
    /// <typeparam name="TState">The stored state.</typeparam>
    /// <param name="stateKey">The actor state key of the aggregate's state.</param>
    /// <param name="aggregate">The aggregate after the command.</param>
    /// <returns>A task.</returns>
    protected async Task StoreAsync<TState>(string stateKey, IAggregate<TState> aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        if (!aggregate.Changed) return;
        await StateManager.SetStateAsync(stateKey, aggregate.State);
        foreach (var message in aggregate.Events) await EmitAsync(message);
    }

    /// <summary>Publishes one outbox entry; the actor is the aggregate, so its id is the subject and partition key.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the sidecar accepted the event.</returns>
    protected virtual Task PublishAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return dapr.PublishEntryAsync(entry, Id.GetId(), cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task OnPostActorMethodAsync(ActorMethodContext actorMethodContext)
    {
        if (!_emitted) return;
        _emitted = false;
        _emittedSinceSweep = true;
        if (!_reminderArmed)
        {
            // Armed before the save: a crash right after the save still gets the events out.
            await RegisterReminderAsync(OutboxReminder, null, SweepAfter + (SweepAfter * Random.Shared.NextDouble()), SweepAfter);
            _reminderArmed = true;
        }
        await SaveStateAsync();
        var outbox = await StoredAsync();
        _published.IntersectWith(outbox.Select(e => e.Id));
        await PublishPendingAsync(outbox);
    }

    /// <inheritdoc />
    public async Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        if (reminderName != OutboxReminder)
        {
            await OnReminderAsync(reminderName, state, dueTime, period);
            return;
        }
        var outbox = await StoredAsync();
        if (outbox.Count > 0)
        {
            if (!await PublishPendingAsync(outbox)) return;
            await StateManager.SetStateAsync(OutboxKey, new List<OutboxEntry>());
            _published.Clear();
        }
        if (_emittedSinceSweep)
        {
            _emittedSinceSweep = false;
            return;
        }
        // Nothing emitted for a whole period (or a new activation after a restart): the actor need not be woken again.
        await UnregisterReminderAsync(OutboxReminder);
        _reminderArmed = false;
    }

    /// <summary>Reminders of the derived actor (any reminder but the outbox's).</summary>
    /// <param name="reminderName">The reminder.</param>
    /// <param name="state">Its data.</param>
    /// <param name="dueTime">Its due time.</param>
    /// <param name="period">Its period.</param>
    /// <returns>A task.</returns>
    protected virtual Task OnReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period) => Task.CompletedTask;

    private async Task<List<OutboxEntry>> StoredAsync() => (await StateManager.TryGetStateAsync<List<OutboxEntry>>(OutboxKey)).Value ?? [];

    // Publishes the entries not published yet, in order, stopping at the first failure (which arms the retry).
    private async Task<bool> PublishPendingAsync(List<OutboxEntry> outbox)
    {
        if (await OutboxPublishing.PublishInOrderAsync(outbox, _published, PublishAsync, CancellationToken.None) is not { } failed) return true;
        Logger.LogWarning("Publishing {Type} {EventId} from the outbox failed ({Error}); the outbox reminder retries in {Delay}", failed.Entry.Type, failed.Entry.Id, failed.Error.Message, RetryAfter);
        await RegisterReminderAsync(OutboxReminder, null, RetryAfter, SweepAfter);
        _reminderArmed = true;
        return false;
    }
}
