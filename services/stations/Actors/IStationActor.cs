using Mtaeda.Contracts;
using System.Runtime.Serialization;
using Dapr.Actors;
using Mtaeda.Stations.Domain;

namespace Mtaeda.Stations.Actors;

/// <summary>
/// One actor per station (actor type <see cref="StationActor.TypeName"/>, id = station id), called through typed
/// remoting proxies (<c>IActorProxyFactory.CreateActorProxy&lt;IStationActor&gt;</c>, see docs/adr/0004-actor-calls.md);
/// its messages are data contracts. Rule violations come back as a <see cref="StationReply"/> carrying the <see cref="DomainRefusal"/>
/// rather than as an exception, so the caller gets it intact.
/// </summary>
public interface IStationActor : IActor
{
    /// <summary>Registers the station.</summary>
    /// <param name="command">The registration.</param>
    /// <returns>The outcome.</returns>
    Task<StationReply> RegisterAsync(RegisterStationCommand command);

    /// <summary>Renames the station.</summary>
    /// <param name="command">The new name.</param>
    /// <returns>The outcome.</returns>
    Task<StationReply> RenameAsync(RenameStationCommand command);

    /// <summary>Changes the station's address.</summary>
    /// <param name="command">The new address.</param>
    /// <returns>The outcome.</returns>
    Task<StationReply> ChangeAddressAsync(ChangeStationAddressCommand command);

    /// <summary>Opens the station.</summary>
    /// <returns>The outcome.</returns>
    Task<StationReply> OpenAsync();

    /// <summary>Closes the station.</summary>
    /// <param name="command">Why.</param>
    /// <returns>The outcome.</returns>
    Task<StationReply> CloseAsync(StationStatusCommand command);

    /// <summary>Takes the station offline.</summary>
    /// <param name="command">Why.</param>
    /// <returns>The outcome.</returns>
    Task<StationReply> TakeOfflineAsync(StationStatusCommand command);

    /// <summary>Reads the station.</summary>
    /// <returns>The station, or NotFound.</returns>
    Task<StationReply> GetAsync();

    /// <summary>Records an equipment fact (a turnstile or camera installed or removed here).</summary>
    /// <param name="change">The fact.</param>
    /// <returns>A task.</returns>
    Task RecordEquipmentAsync(EquipmentChange change);

    /// <summary>Records a transition of a work order of the station (<see cref="WorkOrderHistory"/>).</summary>
    /// <param name="step">The transition.</param>
    /// <returns>A task.</returns>
    Task RecordWorkOrderAsync(WorkOrderStep step);

    /// <summary>The station's work-order history, newest first (empty when none is known).</summary>
    /// <returns>The history.</returns>
    Task<List<StationWorkOrderState>> GetWorkOrdersAsync();
}

/// <summary>RegisterStation as the actor receives it.</summary>
/// <param name="Name">Display name.</param>
/// <param name="Address">Postal address.</param>
/// <param name="LineIds">Lines served.</param>
[DataContract]
public sealed record RegisterStationCommand([property: DataMember(Order = 1)] string Name, [property: DataMember(Order = 2)] PostalAddress? Address, [property: DataMember(Order = 3)] string[] LineIds);

/// <summary>RenameStation as the actor receives it.</summary>
/// <param name="Name">The new name.</param>
[DataContract]
public sealed record RenameStationCommand([property: DataMember(Order = 1)] string Name);

/// <summary>ChangeStationAddress as the actor receives it.</summary>
/// <param name="Address">The new address.</param>
[DataContract]
public sealed record ChangeStationAddressCommand([property: DataMember(Order = 1)] PostalAddress? Address);

/// <summary>CloseStation or TakeStationOffline as the actor receives it.</summary>
/// <param name="Reason">Why; may be empty.</param>
[DataContract]
public sealed record StationStatusCommand([property: DataMember(Order = 1)] string Reason);

/// <summary>Which kind of equipment an <see cref="EquipmentChange"/> is about.</summary>
public enum EquipmentKind
{
    /// <summary>A turnstile.</summary>
    Turnstile = 1,

    /// <summary>A camera.</summary>
    Camera = 2,
}

/// <summary>An equipment fact from equipment's events.</summary>
/// <param name="Kind">Turnstile or camera.</param>
/// <param name="EquipmentId">Its id.</param>
/// <param name="Installed">True when installed here, false when removed.</param>
/// <param name="OccurredAt">When it happened (the event's time): a change older than the one applied for the device is ignored.</param>
[DataContract]
public sealed record EquipmentChange([property: DataMember(Order = 1)] EquipmentKind Kind, [property: DataMember(Order = 2)] string EquipmentId, [property: DataMember(Order = 3)] bool Installed,
    [property: DataMember(Order = 4)] DateTimeOffset OccurredAt);

/// <summary>The actor's answer: the station as it is after the command, or why the command was refused.</summary>
/// <param name="Station">The station after the command (null when refused or not found).</param>
/// <param name="RegisteredAt">For RegisterStation: when the station was registered.</param>
/// <param name="Refusal">Why the command was refused; null when accepted.</param>
[DataContract]
public sealed record StationReply(
    // Orders 1-3 and 6 (the refusal's kind, field, message and reason) are retired: the refusal is one member, order 7.
    [property: DataMember(Order = 4)] StationState? Station,
    [property: DataMember(Order = 5)] DateTimeOffset? RegisteredAt = null,
    [property: DataMember(Order = 7)] DomainRefusal? Refusal = null)
{
    /// <summary>An accepted command.</summary>
    /// <param name="station">The station after it.</param>
    /// <param name="registeredAt">When registered (RegisterStation only).</param>
    /// <returns>The reply.</returns>
    public static StationReply Accepted(StationState station, DateTimeOffset? registeredAt = null) => new(station, registeredAt);

    /// <summary>A refused command.</summary>
    /// <param name="refusal">Why.</param>
    /// <returns>The reply.</returns>
    public static StationReply Refused(DomainRefusal refusal) => new(null, Refusal: refusal);
}
