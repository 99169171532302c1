using Mtaeda.Dashboard.Identity;

namespace Mtaeda.Dashboard.Components.Shared;

/// <summary>
/// What a user has begun on one work order's row and not yet sent: the technician chosen, the command awaiting its text,
/// the text. Kept by the table per work order (not by the row's component): the rows move when the list is read again.
/// </summary>
public sealed class WorkOrderDraft
{
    /// <summary>The technician chosen to assign to.</summary>
    public string? Technician { get; set; }

    /// <summary>The command awaiting its notes or reason (complete or cancel), or null.</summary>
    public WorkOrderAction? Pending { get; set; }

    /// <summary>The notes or reason typed so far.</summary>
    public string Text { get; set; } = string.Empty;

    /// <summary>True when the text was required and missing.</summary>
    public bool TextMissing { get; set; }

    /// <summary>Forgets the command awaiting its text.</summary>
    public void ClearPending()
    {
        Pending = null;
        Text = string.Empty;
        TextMissing = false;
    }
}
