using Dapr.Client;
using Google.Protobuf;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults;

/// <summary>An event waiting in an outbox: its CloudEvent id is fixed when it is written, so every publish of it carries the same id.</summary>
/// <param name="Id">The CloudEvent id.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Type">The CloudEvent type (the message's full name).</param>
/// <param name="Json">The event in proto3 JSON.</param>
/// <param name="Subject">The aggregate the event is about (CloudEvent subject and partition key); null for the publisher's default.</param>
public sealed record OutboxEntry(string Id, string Topic, string Type, string Json, string? Subject = null)
{
    /// <summary>The entry of <paramref name="message"/>, for its topic (<see cref="Topics.Of"/>).</summary>
    /// <param name="message">The event.</param>
    /// <param name="id">The CloudEvent id (a deterministic one makes a repeated command publish the same event); a new one when null.</param>
    /// <param name="subject">The aggregate the event is about.</param>
    /// <returns>The entry.</returns>
    public static OutboxEntry Of(IMessage message, string? id = null, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new(id ?? Guid.NewGuid().ToString(), Topics.Of(message), message.Descriptor.FullName, IntegrationEvents.ToJson(message), subject);
    }
}

/// <summary>
/// How every outbox publishes (the aggregate actors' <see cref="OutboxActor"/> and the services' <see cref="StateOutbox"/>):
/// entries in the order they were written, each with its own CloudEvent id, stopping at the first that fails so that
/// nothing overtakes it; what is not published stays in the outbox for the next sweep.
/// </summary>
public static class OutboxPublishing
{
    /// <summary>Publishes one entry with its CloudEvent id, type and subject (<paramref name="subject"/> when the entry names none).</summary>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="entry">The entry.</param>
    /// <param name="subject">The subject of an entry that names none.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the sidecar accepted the event.</returns>
    public static Task PublishEntryAsync(this DaprClient dapr, OutboxEntry entry, string? subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return dapr.PublishJsonAsync(entry.Topic, entry.Type, entry.Json, entry.Id, entry.Subject ?? subject, cancellationToken);
    }

    /// <summary>
    /// Publishes the entries not in <paramref name="published"/>, in order, adding each id to it once the sidecar accepted
    /// the event; stops at the first failure and answers it (the entry and the ones after it stay unpublished).
    /// </summary>
    /// <param name="entries">The outbox, oldest first.</param>
    /// <param name="published">The ids published already; grows with each publish.</param>
    /// <param name="publish">Publishes one entry.</param>
    /// <param name="cancellationToken">Cancels the publishing (a cancellation is thrown, not answered).</param>
    /// <returns>The failed entry and why, or null when everything was published.</returns>
    public static async Task<(OutboxEntry Entry, Exception Error)?> PublishInOrderAsync(IEnumerable<OutboxEntry> entries, ISet<string> published,
        Func<OutboxEntry, CancellationToken, Task> publish, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(published);
        ArgumentNullException.ThrowIfNull(publish);
        foreach (var entry in entries)
        {
            if (published.Contains(entry.Id)) continue;
            try
            {
                await publish(entry, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return (entry, e);
            }
            published.Add(entry.Id);
        }
        return null;
    }
}
