using System.Text.RegularExpressions;

namespace Mtaeda.Equipment.Domain;

/// <summary>The id convention of every MTAEDA contract: 1 to 64 characters from <c>[A-Za-z0-9._-]</c>.</summary>
public static partial class Ids
{
    /// <summary>Longest id.</summary>
    public const int MaxLength = 64;

    /// <summary>True when <paramref name="id"/> follows the convention.</summary>
    /// <param name="id">The id.</param>
    /// <returns>Whether it is valid.</returns>
    public static bool IsValid(string? id) => id is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9._-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
