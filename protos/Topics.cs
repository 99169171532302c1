using Google.Protobuf;
using Equipment_ = Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.Contracts;

/// <summary>Pub/sub component and topic names of the integration events (see protos/README.md).</summary>
public static class Topics
{
    /// <summary>Name of the Dapr pub/sub component, the same in every environment.</summary>
    public const string PubSubName = "pubsub";

    /// <summary>Events of <c>mtaeda.equipment.v1</c> (turnstiles, cameras, faults), except passages.</summary>
    public const string Equipment = "equipment";

    /// <summary>
    /// <c>mtaeda.equipment.v1.PassagesRecorded</c>, the high-volume event, on a topic of its own: only the read sides that
    /// count passages receive it, and a subscriber of <see cref="Equipment"/> is not sent a passage event to ignore.
    /// </summary>
    public const string Passages = "passages";

    /// <summary>Events of <c>mtaeda.stations.v1</c>.</summary>
    public const string Stations = "stations";

    /// <summary>Events of <c>mtaeda.gateway.v1</c> (device liveness).</summary>
    public const string Gateway = "gateway";

    /// <summary>Events of <c>mtaeda.maintenance.v1</c> (maintenance requests, escalations).</summary>
    public const string Maintenance = "maintenance";

    /// <summary>Events of <c>mtaeda.scheduling.v1</c> (work orders, preventive schedules).</summary>
    public const string Scheduling = "scheduling";

    /// <summary>Events of <c>mtaeda.notifications.v1</c> (notification configurations).</summary>
    public const string Notifications = "notifications";

    /// <summary>
    /// The pub/sub component of the hub's fan-out: its consumer id is per replica (Dapr's <c>{uuid}</c> or <c>{podName}</c>
    /// template), so every replica of notifications receives every event on <see cref="HubFanOut"/> (docs/adr/0007-hub-scale-out.md).
    /// </summary>
    public const string HubFanOutPubSubName = "hubfanout";

    /// <summary>The hub's pushes (<c>AlertRaised</c>, <c>AlertAcknowledged</c>, <c>NotificationPushed</c>), on <see cref="HubFanOutPubSubName"/>.</summary>
    public const string HubFanOut = "notifications-hub";

    /// <summary>
    /// Events of <c>mtaeda.identification.v1</c> (watch-list and passenger matches, watch-list changes). Only matches and
    /// watch-list changes are events: a face capture that matches no one is never published.
    /// </summary>
    public const string Identification = "identification";

    /// <summary>Events of <c>mtaeda.passengers.v1</c> (passengers, loyalty programmes, consent, card top-ups, notifications to passengers).</summary>
    public const string Passengers = "passengers";

    private static readonly string PassagesRecordedType = Equipment_.PassagesRecorded.Descriptor.FullName;

    /// <summary>The topic an integration event is published on: <see cref="Passages"/> for passages, else its context's.</summary>
    /// <param name="message">The event.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="ArgumentException">The message is not an integration event of a known context.</exception>
    public static string Of(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var type = message.Descriptor.FullName;
        if (type == PassagesRecordedType) return Passages;
        return message.Descriptor.File.Package switch
        {
            "mtaeda.equipment.v1" => Equipment,
            "mtaeda.stations.v1" => Stations,
            "mtaeda.gateway.v1" => Gateway,
            "mtaeda.maintenance.v1" => Maintenance,
            "mtaeda.scheduling.v1" => Scheduling,
            "mtaeda.notifications.v1" => Notifications,
            "mtaeda.identification.v1" => Identification,
            "mtaeda.passengers.v1" => Passengers,
            _ => throw new ArgumentException($"{type} is not an integration event of a known context", nameof(message)),
        };
    }
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
