namespace Mtaeda.Maintenance.Domain;

/// <summary>The two deadlines of one priority: to be assigned, then to be completed (counted from the request).</summary>
public sealed class DeadlinePair
{
    /// <summary>From the request to assignment; past it the order escalates to level 1.</summary>
    public TimeSpan AssignWithin { get; set; }

    /// <summary>From the request to completion; past it the order escalates to level 2.</summary>
    public TimeSpan CompleteWithin { get; set; }
}

/// <summary>Deadlines per priority, bound from the <c>Maintenance:Deadlines</c> configuration section (tests use seconds).</summary>
public sealed class MaintenanceDeadlines
{
    /// <summary>Critical requests.</summary>
    public DeadlinePair Critical { get; set; } = new() { AssignWithin = TimeSpan.FromMinutes(15), CompleteWithin = TimeSpan.FromHours(2) };

    /// <summary>High-priority requests.</summary>
    public DeadlinePair High { get; set; } = new() { AssignWithin = TimeSpan.FromHours(1), CompleteWithin = TimeSpan.FromHours(8) };

    /// <summary>Medium-priority requests.</summary>
    public DeadlinePair Medium { get; set; } = new() { AssignWithin = TimeSpan.FromHours(4), CompleteWithin = TimeSpan.FromDays(1) };

    /// <summary>Low-priority requests.</summary>
    public DeadlinePair Low { get; set; } = new() { AssignWithin = TimeSpan.FromDays(1), CompleteWithin = TimeSpan.FromDays(7) };

    /// <summary>The deadlines of <paramref name="priority"/>.</summary>
    /// <param name="priority">The priority.</param>
    /// <returns>Its deadlines.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The priority is unspecified.</exception>
    public DeadlinePair For(MaintenancePriority priority) => priority switch
    {
        MaintenancePriority.Critical => Critical,
        MaintenancePriority.High => High,
        MaintenancePriority.Medium => Medium,
        MaintenancePriority.Low => Low,
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "a request has a priority"),
    };

    /// <summary>Checks that every deadline is positive and assignment comes before completion.</summary>
    /// <exception cref="InvalidOperationException">A deadline is not.</exception>
    public void Validate()
    {
        foreach (var (name, pair) in new[] { ("Critical", Critical), ("High", High), ("Medium", Medium), ("Low", Low) })
        {
            if (pair.AssignWithin <= TimeSpan.Zero || pair.CompleteWithin <= pair.AssignWithin)
            {
                throw new InvalidOperationException($"Maintenance:Deadlines:{name}: AssignWithin must be positive and less than CompleteWithin.");
            }
        }
    }
}
