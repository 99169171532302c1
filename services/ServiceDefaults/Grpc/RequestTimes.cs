using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults;

/// <summary>
/// The one check of a request's <see cref="Timestamp"/> fields: a timestamp outside what it can hold (seconds beyond
/// 0001-01-01..9999-12-31, nanos outside 0..999,999,999) is bad input naming the field (<see cref="Errors.InvalidArgument(string, string)"/>).
/// </summary>
public static class RequestTimes
{
    /// <summary>A required timestamp: present and valid.</summary>
    /// <param name="value">The field's value.</param>
    /// <param name="field">The field's proto path, e.g. <c>interval_start</c>.</param>
    /// <returns>The time.</returns>
    public static DateTimeOffset Require(Timestamp? value, string field) =>
        Optional(value, field) ?? throw Errors.InvalidArgument(field, "is required");

    /// <summary>An optional timestamp: null when absent; when present it must be valid.</summary>
    /// <param name="value">The field's value.</param>
    /// <param name="field">The field's proto path, e.g. <c>since</c>.</param>
    /// <returns>The time, or null.</returns>
    public static DateTimeOffset? Optional(Timestamp? value, string field)
    {
        if (value is null) return null;
        try
        {
            return value.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw Errors.InvalidArgument(field, "is not a valid timestamp");
        }
    }
}
