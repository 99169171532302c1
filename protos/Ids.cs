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

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
