using System.Globalization;

namespace LocalDapr.State;

/// <summary>
/// The <c>ttlInSeconds</c> metadata of a save, read as the Dapr component behind the store reads it (daprd passes it
/// through untouched): <c>state.in-memory</c> with Go's <c>strconv.Atoi</c>, a negative value meaning no expiry;
/// <c>state.redis</c> with <c>strconv.ParseInt</c>, zero or less meaning no expiry (<c>PERSIST</c>). A value that is
/// not a whole number is the component's error, which daprd reports as the save's (ERR_STATE_SAVE, or the transaction's).
/// </summary>
public static class TtlMetadata
{
    public const string Key = "ttlInSeconds";

    /// <summary>The expiry of <paramref name="text"/> (null: none) for a store of <paramref name="storeType"/>.</summary>
    /// <exception cref="FormatException">Not a whole number, with the component's message.</exception>
    public static TimeSpan? Parse(string? text, string storeType)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            var why = text.TrimStart('+', '-').Length > 0 && text.TrimStart('+', '-').All(char.IsAsciiDigit) ? "value out of range" : "invalid syntax";
            var quoted = "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
            throw new FormatException(storeType == "state.redis"
                ? $"failed to parse ttl from metadata: strconv.ParseInt: parsing {quoted}: {why}"
                : $"strconv.Atoi: parsing {quoted}: {why}");
        }
        return seconds > 0 ? TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.MaxValue.TotalSeconds - 1)) : null;
    }
}
