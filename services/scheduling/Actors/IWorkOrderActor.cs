using Mtaeda.Contracts;
using System.Runtime.Serialization;
using Dapr.Actors;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Scheduling.Domain;

namespace Mtaeda.Scheduling.Actors;

/// <summary>
/// One actor per work order (actor type <see cref="WorkOrderActor.TypeName"/>, id = work order id), called through typed
/// remoting proxies (docs/adr/0004-actor-calls.md). Refusals come back as a <see cref="WorkOrderReply"/>, not as exceptions.
/// </summary>
public interface IWorkOrderActor : IActor
{
    /// <summary>Creates the work order (a repeat with the same request and device answers the order as it is).</summary>
    /// <param name="command">The order.</param>
    /// <returns>The outcome.</returns>
    Task<WorkOrderReply> CreateAsync(CreateWorkOrderCommand command);

    /// <summary>Assigns the order to a technician.</summary>
    /// <param name="command">The technician.</param>
    /// <returns>The outcome.</returns>
    Task<WorkOrderReply> AssignAsync(AssignWorkOrderCommand command);

    /// <summary>Starts the work.</summary>
    /// <param name="command">Who.</param>
    /// <returns>The outcome.</returns>
    Task<WorkOrderReply> StartAsync(WorkOrderCommand command);

    /// <summary>Completes the work.</summary>
    /// <param name="command">Who, and the notes.</param>
    /// <returns>The outcome.</returns>
    Task<WorkOrderReply> CompleteAsync(WorkOrderCommand command);

    /// <summary>Cancels the order.</summary>
    /// <param name="command">Who, and why.</param>
    /// <returns>The outcome.</returns>
    Task<WorkOrderReply> CancelAsync(WorkOrderCommand command);

    /// <summary>Reads the order.</summary>
    /// <returns>The order, or NotFound.</returns>
    Task<WorkOrderReply> GetAsync();
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

/// <summary>The actor's answer: the order after the command, or why the command was refused.</summary>
/// <param name="Order">The order after the command (null when refused).</param>
/// <param name="Refusal">Why the command was refused; null when accepted.</param>
[DataContract]
public sealed record WorkOrderReply(
    // Orders 1-3 and 5 (the refusal's kind, field, message and reason) are retired: the refusal is one member, order 6.
    [property: DataMember(Order = 4)] WorkOrderState? Order,
    [property: DataMember(Order = 6)] DomainRefusal? Refusal = null)
{
    /// <summary>An accepted command.</summary>
    /// <param name="order">The order after it.</param>
    /// <returns>The reply.</returns>
    public static WorkOrderReply Accepted(WorkOrderState order) => new(order);

    /// <summary>A refused command.</summary>
    /// <param name="refusal">Why.</param>
    /// <returns>The reply.</returns>
    public static WorkOrderReply Refused(DomainRefusal refusal) => new(null, refusal);
}
