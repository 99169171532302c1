namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Runs an event handler at most once to completion per (consumer, CloudEvent id), so that the at-least-once
/// delivery of Dapr pub/sub gives exactly-once effects. Registered by <c>AddServiceDefaults()</c>; the implementation is
/// <see cref="IdempotencyGuard"/>.
/// </summary>
/// <remarks>
/// Services do not call it themselves: <c>MapEventHandler</c> (see <see cref="EventSubscriptionEndpoints"/>) runs every
/// <see cref="IEventHandler{TEvent}"/> through it, under the consumer name <c>{app-id}:{event type}</c>.
/// </remarks>
public interface IIdempotencyGuard
{
    /// <summary>
    /// Runs <paramref name="handler"/> unless this consumer has already handled <paramref name="eventId"/> to completion.
    /// </summary>
    /// <param name="consumer">
    /// Who handles the event, e.g. <c>"maintenance.turnstile-locked"</c>. Two handlers of the same event need two names:
    /// each runs once.
    /// </param>
    /// <param name="eventId">The CloudEvent id (<see cref="CloudEventHttpRequestExtensions.CloudEventId"/>).</param>
    /// <param name="handler">The work to do once; it receives <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Cancels the state calls made before the handler, and the handler itself.</param>
    /// <returns><see langword="true"/> when the handler ran (and succeeded); <see langword="false"/> when the event had
    /// already been handled, so this delivery is a duplicate to acknowledge without doing anything.</returns>
    /// <exception cref="EventInProgressException">Another delivery of the same event is being handled right now. Let it
    /// bubble up: the 409 it becomes makes Dapr deliver again later, when the outcome is known.</exception>
    /// <remarks>Any exception of <paramref name="handler"/> propagates, after the event is released so that a
    /// redelivery runs the handler again.</remarks>
    Task<bool> RunOnceAsync(string consumer, string eventId, Func<CancellationToken, Task> handler, CancellationToken cancellationToken = default);
}
