using System.Globalization;
using System.Text.RegularExpressions;
using LocalDapr.Configuration;

namespace LocalDapr.Actors;

/// <summary>A period: how often, and how many times in all (null: forever).</summary>
public readonly record struct Period(TimeSpan Interval, int? Repetitions);

/// <summary>
/// The time forms Dapr accepts for reminders and timers: <c>dueTime</c> as a Go duration, an ISO 8601 duration or an
/// RFC 3339 time; <c>period</c> as a Go duration or ISO 8601 with optional repetitions (<c>R5/PT1M30S</c>);
/// <c>ttl</c> as a duration or an RFC 3339 time.
/// </summary>
public static partial class ActorTime
{
    [GeneratedRegex(@"^R(?<n>\d+)/(?<d>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Repeated();

    /// <summary>When the first firing is due, relative to <paramref name="now"/>.</summary>
    public static DateTimeOffset ParseDue(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text)) return now;
        if (GoDuration.TryParse(text, out var delay)) return now + (delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && text.Contains('T', StringComparison.Ordinal)) return at;
        throw new FormatException($"error parsing reminder due time: unsupported time/duration format \"{text}\"");
    }

    /// <summary>Null when there is no period (a one-shot reminder or timer).</summary>
    public static Period? ParsePeriod(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        int? repetitions = null;
        var duration = text;
        var m = Repeated().Match(text);
        if (m.Success)
        {
            repetitions = int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            duration = m.Groups["d"].Value;
        }
        if (!GoDuration.TryParse(duration, out var interval))
            throw new FormatException($"error parsing reminder period: unsupported duration format \"{text}\"");
        // A zero or negative period (the SDKs send -1ms for "no period") means the reminder fires once.
        if (interval <= TimeSpan.Zero && repetitions is null) return null;
        if (interval < TimeSpan.Zero) throw new FormatException($"error parsing reminder period: negative period with repetitions \"{text}\"");
        return new Period(interval, repetitions);
    }

    /// <summary>When the reminder or timer stops for good; null when it has no time to live.</summary>
    public static DateTimeOffset? ParseTtl(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (GoDuration.TryParse(text, out var ttl)) return now + ttl;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
        throw new FormatException($"error parsing reminder ttl: unsupported time/duration format \"{text}\"");
    }
}
