using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Notifications.Domain;

/// <summary>
/// What an alert says, read from the event that raised it: the fields a template may name (<see cref="TemplateFields"/>).
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="StationId">Where.</param>
/// <param name="DeviceId">The turnstile or camera.</param>
/// <param name="Priority">How urgent (the maintenance priority; see <see cref="AlertRules.PriorityOf"/>).</param>
/// <param name="Title">One line.</param>
/// <param name="Text">The details.</param>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="WorkOrderId">The work order, when there is one.</param>
/// <param name="RequestId">The maintenance request, when there is one.</param>
/// <param name="IdentificationId">The identification (a watch-list match), when there is one.</param>
/// <param name="Recipients">
/// The law-enforcement recipients of a watch-list match: the ids of the notification configurations told of it
/// (<see cref="ConfigurationRules.Matches"/>); empty for every other kind.
/// </param>
public sealed record AlertFacts(
    NotificationEventKind Kind,
    string StationId,
    string DeviceId,
    MaintenancePriority Priority,
    string Title,
    string Text,
    DateTimeOffset OccurredAt,
    string WorkOrderId = "",
    string RequestId = "",
    string IdentificationId = "",
    IReadOnlyList<string>? Recipients = null);
