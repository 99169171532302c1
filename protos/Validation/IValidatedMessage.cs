using Google.Rpc;

namespace Mtaeda.Contracts;

/// <summary>
/// A message whose bounds are part of its contract, declared once beside the generated message (a partial class in
/// <c>protos/Validation/</c>) and checked by its producer before publishing and by every consumer before acting on it.
/// </summary>
public interface IValidatedMessage
{
    /// <summary>Every field that breaks the contract's bounds; none when the message is fit.</summary>
    /// <returns>The violations, by proto field path.</returns>
    BadRequest Violations();
}

/// <summary>Building violations field by field.</summary>
public static class Violations
{
    /// <summary>Adds a violation of <paramref name="field"/>.</summary>
    /// <param name="violations">The violations so far.</param>
    /// <param name="field">The field's proto path.</param>
    /// <param name="description">What is wrong, without the field name.</param>
    /// <returns>The same violations.</returns>
    public static BadRequest Add(this BadRequest violations, string field, string description)
    {
        ArgumentNullException.ThrowIfNull(violations);
        violations.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return violations;
    }

    /// <summary>Adds a violation when <paramref name="id"/> breaks the id convention (<see cref="Ids"/>).</summary>
    /// <param name="violations">The violations so far.</param>
    /// <param name="id">The id.</param>
    /// <param name="field">The field's proto path.</param>
    /// <returns>The same violations.</returns>
    public static BadRequest Id(this BadRequest violations, string? id, string field) =>
        Ids.IsValid(id) ? violations : violations.Add(field, string.IsNullOrEmpty(id) ? "is required" : Ids.Rule);

    /// <summary>True when there is no violation.</summary>
    /// <param name="violations">The violations.</param>
    /// <returns>Whether the message is fit.</returns>
    public static bool IsEmpty(this BadRequest violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        return violations.FieldViolations.Count == 0;
    }
}
