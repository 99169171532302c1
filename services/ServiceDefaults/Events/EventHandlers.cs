using Google.Protobuf;

namespace Mtaeda.ServiceDefaults;

/// <summary>Where an integration event came from, for its handler.</summary>
/// <param name="EventId">The CloudEvent id (the same on every redelivery).</param>
/// <param name="Source">The CloudEvent source: the publishing app.</param>
public sealed record IntegrationEventContext(string EventId, string Source);

/// <summary>One event of a bulk delivery.</summary>
/// <typeparam name="TEvent">The event type.</typeparam>
/// <param name="Event">The event.</param>
/// <param name="Context">Its id and source.</param>
public sealed record ReceivedEvent<TEvent>(TEvent Event, IntegrationEventContext Context);

/// <summary>
/// Handles one integration event type, mapped with <c>MapEventHandler&lt;TEvent, THandler&gt;(topic)</c>. It runs at most
/// once per CloudEvent id (the idempotency guard). An exception is the event's delivery status: an
/// <see cref="InvalidEventException"/> (or a format, argument or overflow error) drops it to the dead-letter topic, for
/// it can never succeed; anything else asks the sidecar to deliver it again.
/// </summary>
/// <typeparam name="TEvent">The event.</typeparam>
public interface IEventHandler<in TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <summary>Handles the event.</summary>
    /// <param name="event">The event, already checked against its contract's bounds.</param>
    /// <param name="context">Its id and source.</param>
    /// <param name="cancellationToken">Cancels the handling (the delivery was aborted).</param>
    /// <returns>A task.</returns>
    Task HandleAsync(TEvent @event, IntegrationEventContext context, CancellationToken cancellationToken);
}

/// <summary>
/// Handles a bulk delivery of one integration event type at once, mapped with
/// <c>MapBulkEventHandler&lt;TEvent, THandler&gt;(topic, bulk)</c>. It is not behind the idempotency guard: it must make
/// each event's effect happen once per <see cref="IntegrationEventContext.EventId"/> itself (e.g. by writing the event's
/// marker in the same transaction as its effect). When it throws, the batch is retried whole if the error may pass,
/// and otherwise handed to it again one event at a time, so that only the events that fail on their own are dropped.
/// </summary>
/// <typeparam name="TEvent">The event.</typeparam>
public interface IBulkEventHandler<TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <summary>Handles the events, in delivery order.</summary>
    /// <param name="events">The events, each already checked against its contract's bounds.</param>
    /// <param name="cancellationToken">Cancels the handling.</param>
    /// <returns>A task.</returns>
    Task HandleAsync(IReadOnlyList<ReceivedEvent<TEvent>> events, CancellationToken cancellationToken);
}

/// <summary>An event that can never be handled (it breaks its contract or the handler's rules): dropped to the dead-letter topic.</summary>
public sealed class InvalidEventException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong with the event, naming the field.</param>
    public InvalidEventException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    /// <param name="message">What is wrong with the event.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidEventException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public InvalidEventException()
        : base("The event can never be handled.")
    {
    }
}
