using System.Globalization;

namespace Mtaeda.Ridership.Domain;

/// <summary>Time as ridership counts it: whole UTC minutes, kept in hour and day buckets.</summary>
public static class Minutes
{
    /// <summary>The start of the UTC minute of <paramref name="time"/>.</summary>
    /// <param name="time">A time.</param>
    /// <returns>The minute.</returns>
    public static DateTimeOffset Floor(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
    }

    /// <summary>The start of the UTC hour of <paramref name="time"/>.</summary>
    /// <param name="time">A time.</param>
    /// <returns>The hour.</returns>
    public static DateTimeOffset Hour(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The start of the UTC day of <paramref name="time"/>.</summary>
    /// <param name="time">A time.</param>
    /// <returns>The day.</returns>
    public static DateTimeOffset Day(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>An hour as it appears in state keys: <c>yyyyMMddHH</c>.</summary>
    /// <param name="hour">The hour.</param>
    /// <returns>The text.</returns>
    public static string HourKey(DateTimeOffset hour) => hour.ToUniversalTime().ToString("yyyyMMddHH", CultureInfo.InvariantCulture);

    /// <summary>A day as it appears in state keys: <c>yyyyMMdd</c>.</summary>
    /// <param name="day">The day.</param>
    /// <returns>The text.</returns>
    public static string DayKey(DateTimeOffset day) => day.ToUniversalTime().ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The hours from the one holding <paramref name="first"/> to the one holding <paramref name="last"/>, both included.</summary>
    /// <param name="first">The first time.</param>
    /// <param name="last">The last time.</param>
    /// <returns>The hours, in order.</returns>
    public static IEnumerable<DateTimeOffset> HoursBetween(DateTimeOffset first, DateTimeOffset last)
    {
        for (var hour = Hour(first); hour <= last; hour = hour.AddHours(1)) yield return hour;
    }
}
