using Microsoft.AspNetCore.Http;

namespace Mtaeda.ServiceDefaults;

/// <summary>Convenience overloads of <see cref="IIdempotencyGuard"/> for event-handler endpoints.</summary>
public static class IdempotencyGuardExtensions
{
    /// <summary>
    /// Runs <paramref name="handler"/> once per CloudEvent id of <paramref name="request"/>; see
    /// <see cref="IIdempotencyGuard.RunOnceAsync"/>.
    /// </summary>
    /// <param name="guard">The guard.</param>
    /// <param name="consumer">Who handles the event.</param>
    /// <param name="request">The delivery, whose CloudEvent id identifies the event.</param>
    /// <param name="handler">The work to do once.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>Whether the handler ran.</returns>
    /// <exception cref="BadHttpRequestException">The request carries no CloudEvent id (400).</exception>
    public static Task<bool> RunOnceAsync(this IIdempotencyGuard guard, string consumer, HttpRequest request,
        Func<CancellationToken, Task> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(request);
        var eventId = request.CloudEventId()
            ?? throw new BadHttpRequestException("The request carries no CloudEvent id (no Cloudevent.id or ce-id header), so it cannot be de-duplicated.");
        return guard.RunOnceAsync(consumer, eventId, handler, cancellationToken);
    }
}
