using Dapr.Actors.Runtime;
using Dapr.Client;
using Google.Protobuf;

namespace Mtaeda.ServiceDefaults;

/// <summary>An event waiting in an actor's outbox: its CloudEvent id is fixed when it is emitted.</summary>
/// <param name="Id">The CloudEvent id.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Type">The CloudEvent type (the message's full name).</param>
/// <param name="Json">The event in proto3 JSON.</param>
public sealed record OutboxEntry(string Id, string Topic, string Type, string Json);

/// <summary>
/// An actor whose state changes and the events they cause are written together: <see cref="EmitAsync"/> puts the
/// event in the actor's state (saved with the rest of the turn's changes in one actor state transaction), and a
/// one-shot reminder publishes the outbox in a later turn, then clears it. A crash between publishing and clearing
/// republishes with the same CloudEvent ids, which subscribers de-duplicate: at-least-once delivery, exactly-once
/// effects. Moving to Dapr Workflow or the state outbox later changes only this class.
/// </summary>
/// <param name="host">The actor host.</param>
/// <param name="dapr">The Dapr client used to publish.</param>
public abstract class OutboxActor(ActorHost host, DaprClient dapr) : Actor(host), IRemindable
{
    /// <summary>The reminder that publishes the outbox.</summary>
    public const string OutboxReminder = "outbox";

    private const string OutboxKey = "outbox";
    private bool _emitted;

    /// <summary>The events emitted and not yet published (for tests and diagnostics).</summary>
    /// <returns>The pending events, oldest first.</returns>
    public async Task<IReadOnlyList<OutboxEntry>> PendingEventsAsync() =>
        (await StateManager.TryGetStateAsync<List<OutboxEntry>>(OutboxKey)).Value ?? [];

    /// <summary>Adds <paramref name="message"/> to the outbox; it is published after this turn's state is saved.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="message">The event.</param>
    /// <returns>A task.</returns>
    protected async Task EmitAsync(string topic, IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var outbox = await StateManager.GetOrAddStateAsync(OutboxKey, new List<OutboxEntry>());
        outbox.Add(new OutboxEntry(Guid.NewGuid().ToString(), topic, message.Descriptor.FullName, IntegrationEvents.ToJson(message)));
        await StateManager.SetStateAsync(OutboxKey, outbox);
        _emitted = true;
    }

    /// <inheritdoc />
    protected override async Task OnPostActorMethodAsync(ActorMethodContext actorMethodContext)
    {
        if (!_emitted) return;
        _emitted = false;
        // Due at once, but it fires only after this turn (and its state save) ends: actors take one turn at a time.
        await RegisterReminderAsync(OutboxReminder, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(-1));
    }

    /// <inheritdoc />
    public async Task ReceiveReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period)
    {
        if (reminderName != OutboxReminder)
        {
            await OnReminderAsync(reminderName, state, dueTime, period);
            return;
        }
        var outbox = (await StateManager.TryGetStateAsync<List<OutboxEntry>>(OutboxKey)).Value;
        if (outbox is not { Count: > 0 }) return;
        // The actor is the aggregate: its id is the events' subject and partition key.
        foreach (var entry in outbox) await dapr.PublishJsonAsync(entry.Topic, entry.Type, entry.Json, entry.Id, Id.GetId(), CancellationToken.None);
        await StateManager.SetStateAsync(OutboxKey, new List<OutboxEntry>());
    }

    /// <summary>Reminders of the derived actor (any reminder but the outbox's).</summary>
    /// <param name="reminderName">The reminder.</param>
    /// <param name="state">Its data.</param>
    /// <param name="dueTime">Its due time.</param>
    /// <param name="period">Its period.</param>
    /// <returns>A task.</returns>
    protected virtual Task OnReminderAsync(string reminderName, byte[] state, TimeSpan dueTime, TimeSpan period) => Task.CompletedTask;
}
