using Google.Protobuf;

namespace Mtaeda.Contracts;

/// <summary>Pub/sub component and topic names of the integration events (see protos/README.md).</summary>
public static class Topics
{
    /// <summary>Name of the Dapr pub/sub component, the same in every environment.</summary>
    public const string PubSubName = "pubsub";

    /// <summary>Events of <c>mtaeda.equipment.v1</c> (turnstiles, cameras, passages, faults).</summary>
    public const string Equipment = "equipment";

    /// <summary>Events of <c>mtaeda.stations.v1</c>.</summary>
    public const string Stations = "stations";

    /// <summary>Events of <c>mtaeda.gateway.v1</c> (device liveness).</summary>
    public const string Gateway = "gateway";
}

/// <summary>CloudEvent <c>type</c> of an integration event: the protobuf message's full name.</summary>
public static class EventType
{
    /// <summary>The CloudEvent type of <typeparamref name="T"/>, e.g. <c>mtaeda.equipment.v1.TurnstileLocked</c>.</summary>
    public static string Of<T>()
        where T : IMessage<T>, new() => Cache<T>.FullName;

    /// <summary>The CloudEvent type of <paramref name="message"/>.</summary>
    public static string Of(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Descriptor.FullName;
    }

    private static class Cache<T>
        where T : IMessage<T>, new()
    {
        public static readonly string FullName = new T().Descriptor.FullName;
    }
}
