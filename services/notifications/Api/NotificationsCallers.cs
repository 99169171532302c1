using Mtaeda.ServiceDefaults.Callers;
using NotificationsService = Mtaeda.Contracts.Notifications.V1.Notifications;

namespace Mtaeda.Notifications.Api;

/// <summary>
/// Who may call each RPC of <c>mtaeda.notifications.v1.Notifications</c> (enforced by the <see cref="CallerInterceptor"/>,
/// ADR 0009): every role and any service reads; a supervisor or a technician acknowledges an alert (as themselves); only a
/// supervisor changes the notification configurations; no service changes anything.
/// </summary>
public static class NotificationsCallers
{
    /// <summary>Writes the rules.</summary>
    /// <param name="rules">The service's rules.</param>
    public static void Write(CallerRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        rules.For(NotificationsService.Descriptor)
            .Read("ListNotificationConfigurations", "GetNotificationConfiguration", "ListDeliveries", "ListAlerts")
            .Command([UserRole.Supervisor, UserRole.Technician], [], "AcknowledgeAlert")
            .Command([UserRole.Supervisor], [], "CreateNotificationConfiguration", "UpdateNotificationConfiguration", "DeleteNotificationConfiguration");
    }
}
