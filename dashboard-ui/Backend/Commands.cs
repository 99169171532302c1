using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Dashboard.Alerts;
using Mtaeda.Dashboard.Identity;

namespace Mtaeda.Dashboard.Backend;

/// <summary>
/// Every command of the dashboard, on behalf of the circuit's signed-in user. The role rule (<see cref="Permissions"/>) is
/// checked here, on the server, against the work order as the service has it now, before the service is called: a viewer's
/// command is refused whatever the browser sends. Refusals (the rule's or the service's own) are <see cref="CommandRefusedException"/>.
/// </summary>
/// <param name="services">The gRPC clients.</param>
/// <param name="notifications">Notifications' API.</param>
/// <param name="reachability">Reachability.</param>
/// <param name="user">The circuit's user.</param>
public sealed class Commands(Services services, NotificationsApi notifications, Reachability reachability, CurrentUser user)
{
    /// <summary>Assigns a work order to a technician (supervisor).</summary>
    /// <param name="workOrderId">The work order.</param>
    /// <param name="technicianId">The technician.</param>
    /// <returns>The work order after the command.</returns>
    public Task<WorkOrder> AssignAsync(string workOrderId, string technicianId)
    {
        if (string.IsNullOrWhiteSpace(technicianId)) throw new CommandRefusedException("Choose a technician.");
        return OnWorkOrderAsync(workOrderId, WorkOrderAction.Assign,
            () => services.Scheduling.AssignWorkOrderAsync(new AssignWorkOrderRequest { WorkOrderId = workOrderId, TechnicianId = technicianId }).ResponseAsync);
    }

    /// <summary>Starts a work order (supervisor, or its technician).</summary>
    /// <param name="workOrderId">The work order.</param>
    /// <returns>The work order after the command.</returns>
    public Task<WorkOrder> StartAsync(string workOrderId) =>
        OnWorkOrderAsync(workOrderId, WorkOrderAction.Start,
            () => services.Scheduling.StartWorkOrderAsync(new StartWorkOrderRequest { WorkOrderId = workOrderId }).ResponseAsync);

    /// <summary>Completes a work order with notes (supervisor, or its technician).</summary>
    /// <param name="workOrderId">The work order.</param>
    /// <param name="notes">What was done.</param>
    /// <returns>The work order after the command.</returns>
    public Task<WorkOrder> CompleteAsync(string workOrderId, string notes)
    {
        if (string.IsNullOrWhiteSpace(notes)) throw new CommandRefusedException("Say what was done (notes).");
        return OnWorkOrderAsync(workOrderId, WorkOrderAction.Complete,
            () => services.Scheduling.CompleteWorkOrderAsync(new CompleteWorkOrderRequest { WorkOrderId = workOrderId, Notes = notes.Trim() }).ResponseAsync);
    }

    /// <summary>Cancels a work order with a reason (supervisor).</summary>
    /// <param name="workOrderId">The work order.</param>
    /// <param name="reason">Why.</param>
    /// <returns>The work order after the command.</returns>
    public Task<WorkOrder> CancelAsync(string workOrderId, string reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) throw new CommandRefusedException("Give a reason to cancel.");
        return OnWorkOrderAsync(workOrderId, WorkOrderAction.Cancel,
            () => services.Scheduling.CancelWorkOrderAsync(new CancelWorkOrderRequest { WorkOrderId = workOrderId, Reason = reason.Trim() }).ResponseAsync);
    }

    /// <summary>Acknowledges an alert (supervisor, technician).</summary>
    /// <param name="alertId">The alert.</param>
    /// <returns>The alert as acknowledged.</returns>
    public async Task<AlertMessage> AcknowledgeAsync(string alertId)
    {
        var me = await user.GetAsync();
        if (Permissions.AcknowledgeRefusal(me) is { } refusal) throw new CommandRefusedException(refusal);
        return await notifications.AcknowledgeAsync(alertId, me.Name);
    }

    /// <summary>Creates or changes a configuration (supervisor), after checking it.</summary>
    /// <param name="configuration">The configuration; without an id it is new.</param>
    /// <returns>The configuration as stored.</returns>
    public async Task<Contracts.Notifications.V1.NotificationConfiguration> SaveConfigurationAsync(ConfigurationForm configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (Permissions.ConfigurationRefusal(await user.GetAsync()) is { } refusal) throw new CommandRefusedException(refusal);
        if (configuration.Problems() is { Count: > 0 } problems) throw new CommandRefusedException(string.Join(" ", problems.Select(p => p.Message)));
        return await notifications.SaveConfigurationAsync(configuration.ToProto());
    }

    /// <summary>Removes a configuration (supervisor).</summary>
    /// <param name="configurationId">The configuration.</param>
    /// <returns>When removed.</returns>
    public async Task RemoveConfigurationAsync(string configurationId)
    {
        if (Permissions.ConfigurationRefusal(await user.GetAsync()) is { } refusal) throw new CommandRefusedException(refusal);
        await notifications.RemoveConfigurationAsync(configurationId);
    }

    private async Task<WorkOrder> OnWorkOrderAsync(string workOrderId, WorkOrderAction action, Func<Task<WorkOrder>> call)
    {
        var me = await user.GetAsync();
        // The rule is judged on the work order as scheduling has it now, not as the page last showed it.
        var order = await reachability.CallAsync("scheduling", () => services.Scheduling.GetWorkOrderAsync(new GetWorkOrderRequest { WorkOrderId = workOrderId }).ResponseAsync);
        if (Permissions.Refusal(me, action, order) is { } refusal) throw new CommandRefusedException(refusal);
        return await reachability.CallAsync("scheduling", call);
    }
}
