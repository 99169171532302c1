namespace Mtaeda.ServiceDefaults;

/// <summary>
/// Another delivery of the same CloudEvent holds the in-progress claim. The default exception handler answers 409,
/// which Dapr treats as "retry": by the next delivery the first one has either completed (the retry is acknowledged as
/// a duplicate) or failed and released the claim (the retry runs the handler).
/// </summary>
public sealed class EventInProgressException : Exception
{
    /// <summary>Creates the exception for one consumer and event.</summary>
    /// <param name="consumer">The consumer name given to the guard.</param>
    /// <param name="eventId">The CloudEvent id.</param>
    public EventInProgressException(string consumer, string eventId)
        : base($"CloudEvent '{eventId}' is being handled by another delivery to '{consumer}'; retry later.")
    {
        Consumer = consumer;
        EventId = eventId;
    }

    /// <summary>Creates the exception with a message only.</summary>
    /// <param name="message">The message.</param>
    public EventInProgressException(string message) : base(message)
    {
        Consumer = string.Empty;
        EventId = string.Empty;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public EventInProgressException(string message, Exception innerException) : base(message, innerException)
    {
        Consumer = string.Empty;
        EventId = string.Empty;
    }

    /// <summary>Creates the exception without details.</summary>
    public EventInProgressException() : this("A CloudEvent is being handled by another delivery; retry later.")
    {
    }

    /// <summary>The consumer name given to the guard.</summary>
    public string Consumer { get; }

    /// <summary>The CloudEvent id.</summary>
    public string EventId { get; }
}
