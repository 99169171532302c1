using Mtaeda.ServiceDefaults.Callers;
using SchedulingService = Mtaeda.Contracts.Scheduling.V1.Scheduling;

namespace Mtaeda.Scheduling.Api;

/// <summary>
/// Who may call each RPC of <c>mtaeda.scheduling.v1.Scheduling</c> (enforced by the <see cref="CallerInterceptor"/>, ADR 0009):
/// every role and any service reads; maintenance creates work orders (its requests' workflows), and so may a supervisor;
/// a supervisor assigns, cancels and keeps the preventive schedules; a supervisor or a technician starts and completes
/// (a technician only their own work orders, checked by <see cref="SchedulingApi"/>); a viewer changes nothing.
/// </summary>
public static class SchedulingCallers
{
    /// <summary>The app that creates work orders for its maintenance requests.</summary>
    public const string Maintenance = "maintenance";

    /// <summary>Writes the rules.</summary>
    /// <param name="rules">The service's rules.</param>
    public static void Write(CallerRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        rules.For(SchedulingService.Descriptor)
            .Read("ListWorkOrders", "GetWorkOrder", "ListTechnicians", "ListSchedules", "GetSchedule")
            .Command([UserRole.Supervisor], [Maintenance], "CreateWorkOrder")
            .Command([UserRole.Supervisor], [], "AssignWorkOrder", "CancelWorkOrder", "CreateSchedule", "ChangeSchedule", "RemoveSchedule")
            .Command([UserRole.Supervisor, UserRole.Technician], [], "StartWorkOrder", "CompleteWorkOrder");
    }
}
