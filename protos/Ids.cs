using System.Text.RegularExpressions;

namespace Mtaeda.Contracts;

/// <summary>The id convention of every MTAEDA contract (common.proto): 1 to 64 characters from <c>[A-Za-z0-9._-]</c>.</summary>
public static partial class Ids
{
    /// <summary>The longest id.</summary>
    public const int MaxLength = 64;

    /// <summary>What a bad id is told, after its field name.</summary>
    public const string Rule = "must be 1 to 64 characters from [A-Za-z0-9._-]";

    /// <summary>Whether <paramref name="id"/> follows the convention.</summary>
    /// <param name="id">The id.</param>
    /// <returns>True when it does.</returns>
    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    /// <summary>Checks an id field of a request: present and following the convention.</summary>
    /// <param name="id">The id.</param>
    /// <param name="field">The field's proto name, e.g. <c>station_id</c>.</param>
    /// <returns>The id.</returns>
    /// <exception cref="DomainRefusalException">Bad input naming <paramref name="field"/>: missing, or not an id.</exception>
    public static string Require(string? id, string field)
    {
        if (string.IsNullOrEmpty(id)) throw DomainRefusalException.Invalid(field, "is required");
        return IsValid(id) ? id : throw DomainRefusalException.Invalid(field, Rule);
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
