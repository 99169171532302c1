using System.Runtime.Serialization;
using Dapr.Actors;
using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Scheduling.Actors;

/// <summary>
/// One actor per work order (actor type <see cref="WorkOrderActor.TypeName"/>, id = work order id), called through typed
/// remoting proxies (docs/adr/0004-actor-calls.md). Refusals come back as a <see cref="ActorReply{TState}"/> of the order, not as exceptions.
/// </summary>
public interface IWorkOrderActor : IActor
{
    /// <summary>Creates the work order (a repeat with the same request and device answers the order as it is).</summary>
    /// <param name="command">The order.</param>
    /// <returns>The outcome.</returns>
    Task<ActorReply<WorkOrderState>> CreateAsync(CreateWorkOrderCommand command);

    /// <summary>Assigns the order to a technician.</summary>
    /// <param name="command">The technician.</param>
    /// <returns>The outcome.</returns>
    Task<ActorReply<WorkOrderState>> AssignAsync(AssignWorkOrderCommand command);

    /// <summary>Starts the work.</summary>
    /// <param name="command">Who.</param>
    /// <returns>The outcome.</returns>
    Task<ActorReply<WorkOrderState>> StartAsync(WorkOrderCommand command);

    /// <summary>Completes the work.</summary>
    /// <param name="command">Who, and the notes.</param>
    /// <returns>The outcome.</returns>
    Task<ActorReply<WorkOrderState>> CompleteAsync(WorkOrderCommand command);

    /// <summary>Cancels the order.</summary>
    /// <param name="command">Who, and why.</param>
    /// <returns>The outcome.</returns>
    Task<ActorReply<WorkOrderState>> CancelAsync(WorkOrderCommand command);

    /// <summary>Reads the order.</summary>
    /// <returns>The order, or NotFound.</returns>
    Task<ActorReply<WorkOrderState>> GetAsync();
}

/// <summary>CreateWorkOrder as the actor receives it.</summary>
/// <param name="RequestId">The maintenance request.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="DeviceKind">Turnstile or camera.</param>
/// <param name="StationId">Station of the device.</param>
/// <param name="Priority">How urgent.</param>
/// <param name="Description">What is wrong.</param>
/// <param name="DueAt">When it should be done by.</param>
/// <param name="By">Who creates it.</param>
[DataContract]
public sealed record CreateWorkOrderCommand(
    [property: DataMember(Order = 1)] string RequestId,
    [property: DataMember(Order = 2)] string DeviceId,
    [property: DataMember(Order = 3)] DeviceKind DeviceKind,
    [property: DataMember(Order = 4)] string StationId,
    [property: DataMember(Order = 5)] MaintenancePriority Priority,
    [property: DataMember(Order = 6)] string Description,
    [property: DataMember(Order = 7)] DateTimeOffset? DueAt,
    [property: DataMember(Order = 8)] string By);

/// <summary>AssignWorkOrder as the actor receives it.</summary>
/// <param name="TechnicianId">A registered technician.</param>
/// <param name="By">Who assigns.</param>
[DataContract]
public sealed record AssignWorkOrderCommand([property: DataMember(Order = 1)] string TechnicianId, [property: DataMember(Order = 2)] string By);

/// <summary>Start, complete or cancel as the actor receives it.</summary>
/// <param name="Text">The completion notes or the cancellation reason; empty for start.</param>
/// <param name="By">Who.</param>
[DataContract]
public sealed record WorkOrderCommand([property: DataMember(Order = 1)] string Text, [property: DataMember(Order = 2)] string By);

