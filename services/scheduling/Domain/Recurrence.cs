using Cronos;

namespace Mtaeda.Scheduling.Domain;

/// <summary>
/// When a schedule comes due: a cron expression (Cronos; five fields, or six with seconds first) read in an IANA time
/// zone. Daylight-saving gaps and overlaps are Cronos's: a time skipped by a gap fires at the gap's end, a time that
/// occurs twice fires once (an interval expression fires in both).
/// </summary>
public sealed class Recurrence
{
    private readonly CronExpression _expression;
    private readonly TimeZoneInfo _zone;

    private Recurrence(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        _zone = zone;
    }

    /// <summary>Reads a cron expression and a time zone.</summary>
    /// <param name="cron">The expression.</param>
    /// <param name="timeZone">The IANA time zone id.</param>
    /// <returns>The recurrence.</returns>
    /// <exception cref="DomainRefusalException">InvalidArgument naming <c>cron</c> or <c>time_zone</c>.</exception>
    public static Recurrence Parse(string cron, string timeZone)
    {
        if (string.IsNullOrWhiteSpace(cron)) throw DomainRefusalException.Invalid("cron", "is required");
        if (string.IsNullOrWhiteSpace(timeZone)) throw DomainRefusalException.Invalid("time_zone", "is required");
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is not (5 or 6)) throw DomainRefusalException.Invalid("cron", $"has {fields} fields; five (minute first) or six (seconds first) are read");
        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw DomainRefusalException.Invalid("cron", $"is not a cron expression: {e.Message}");
        }

        return new Recurrence(expression, Zone(timeZone));
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    /// <param name="after">A UTC time.</param>
    /// <returns>The occurrence (UTC), or null when the expression has none after it.</returns>
    public DateTime? NextAfter(DateTime after) =>
        _expression.GetNextOccurrence(DateTime.SpecifyKind(after, DateTimeKind.Utc), _zone, inclusive: false);

    private static TimeZoneInfo Zone(string id)
    {
        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw DomainRefusalException.Invalid("time_zone", $"'{id}' is not a known IANA time zone");
        }

        if (!zone.HasIanaId) throw DomainRefusalException.Invalid("time_zone", $"'{id}' is not an IANA time zone id");
        return zone;
    }
}
