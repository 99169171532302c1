using Google.Protobuf;
using Mtaeda.Maintenance.Infrastructure;

namespace Mtaeda.Maintenance.Handlers;

/// <summary>
/// The one body of the handlers of single device events: takes in the fault an event reports. A handler says only what
/// that fault is (<see cref="Read"/>).
/// </summary>
/// <typeparam name="TEvent">The device event.</typeparam>
/// <param name="intake">The fault intake.</param>
public abstract class DeviceEventHandler<TEvent>(MaintenanceIntake intake) : IEventHandler<TEvent>
    where TEvent : IMessage<TEvent>, new()
{
    /// <inheritdoc />
    public Task HandleAsync(TEvent @event, IntegrationEventContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return intake.ReportAsync(Read(@event), cancellationToken);
    }

    /// <summary>The fault the event reports (one of <see cref="DeviceEvents"/>).</summary>
    /// <param name="event">The event.</param>
    /// <returns>The fault.</returns>
    /// <exception cref="InvalidEventException">The event breaks its contract.</exception>
    protected abstract Fault Read(TEvent @event);
}

/// <summary>
/// A turnstile's preventive schedule came due (scheduling raises it once per occurrence): it needs maintenance (cause
/// SCHEDULED, a preventive priority). The occurrence is the fault's time, so each occurrence is one request.
/// </summary>
/// <param name="intake">The fault intake.</param>
public sealed class TurnstileMaintenanceScheduleTriggeredHandler(MaintenanceIntake intake) : DeviceEventHandler<TurnstileMaintenanceScheduleTriggered>(intake)
{
    /// <inheritdoc />
    protected override Fault Read(TurnstileMaintenanceScheduleTriggered @event) => DeviceEvents.Of(@event);
}

/// <summary>A camera's preventive schedule came due: it needs maintenance (cause SCHEDULED), one request per occurrence.</summary>
/// <param name="intake">The fault intake.</param>
public sealed class CameraMaintenanceScheduleTriggeredHandler(MaintenanceIntake intake) : DeviceEventHandler<CameraMaintenanceScheduleTriggered>(intake)
{
    /// <inheritdoc />
    protected override Fault Read(CameraMaintenanceScheduleTriggered @event) => DeviceEvents.Of(@event);
}
