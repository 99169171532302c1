using System.Globalization;
using System.Text.RegularExpressions;

namespace LocalDapr.Configuration;

/// <summary>Durations in the forms Dapr accepts: Go (<c>1h2m3s4ms</c>, <c>500ms</c>, <c>1.5s</c>) and ISO 8601 (<c>PT1M30S</c>).</summary>
public static partial class GoDuration
{
    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<u>ns|us|µs|ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex GoPart();

    [GeneratedRegex(@"^P(?:(?<d>\d+)D)?(?:T(?:(?<h>\d+)H)?(?:(?<m>\d+)M)?(?:(?<s>\d+(?:\.\d+)?)S)?)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex Iso();

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (text == "0") return true;
        if (text.StartsWith('P') || text.StartsWith('p')) return TryParseIso(text, out value);

        var rest = text.AsSpan();
        var negative = false;
        if (rest.Length > 0 && (rest[0] == '-' || rest[0] == '+'))
        {
            negative = rest[0] == '-';
            rest = rest[1..];
        }
        if (rest.IsEmpty) return false;
        double ticks = 0;
        var remaining = rest.ToString();
        while (remaining.Length > 0)
        {
            var m = GoPart().Match(remaining);
            if (!m.Success) return false;
            var n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            ticks += m.Groups["u"].Value switch
            {
                "ns" => n / 100,
                "us" or "µs" => n * 10,
                "ms" => n * TimeSpan.TicksPerMillisecond,
                "s" => n * TimeSpan.TicksPerSecond,
                "m" => n * TimeSpan.TicksPerMinute,
                _ => n * TimeSpan.TicksPerHour,
            };
            remaining = remaining[m.Length..];
        }
        value = TimeSpan.FromTicks((long)(negative ? -ticks : ticks));
        return true;
    }

    public static TimeSpan Parse(string text, string what) =>
        TryParse(text, out var value) ? value : throw new FormatException($"{what} '{text}' is not a duration (use a Go duration such as 5s or 1m30s, or ISO 8601 such as PT5S)");

    private static bool TryParseIso(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var m = Iso().Match(text);
        if (!m.Success || text.Equals("P", StringComparison.OrdinalIgnoreCase) || text.EndsWith('T')) return false;
        double Part(string g) => m.Groups[g].Success ? double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture) : 0;
        value = TimeSpan.FromDays(Part("d")) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s"));
        return true;
    }

    /// <summary>Formats as Dapr's SDKs do: <c>0h0m5s0ms</c>.</summary>
    public static string Format(TimeSpan value) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h{value.Minutes}m{value.Seconds}s{value.Milliseconds}ms");
}
