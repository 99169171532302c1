using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mtaeda.Dashboard.Alerts;

/// <summary>An alert as the hub pushes it ("alert") and notifications serves it (GET /v1/alerts).</summary>
public sealed record AlertMessage
{
    /// <summary>The alert's id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>What happened (a fault, a lock, a work order escalated, ...).</summary>
    public string Kind { get; init; } = string.Empty;

    /// <summary>Where.</summary>
    public string StationId { get; init; } = string.Empty;

    /// <summary>Which device, if one.</summary>
    public string DeviceId { get; init; } = string.Empty;

    /// <summary>How urgent (a priority name or number).</summary>
    [JsonConverter(typeof(TextOrNumberConverter))]
    public string Priority { get; init; } = string.Empty;

    /// <summary>The headline.</summary>
    public string Title { get; init; } = string.Empty;

    /// <summary>The rendered text.</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>When it happened.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>The work order it concerns, if any.</summary>
    public string? WorkOrderId { get; init; }

    /// <summary>The identification of a watch-list match, if it is one (its image crop is asked of identification, by supervisors only).</summary>
    public string? IdentificationId { get; init; }

    /// <summary>Whether it is a watch-list match (<c>NOTIFICATION_EVENT_KIND_OFFENDER_IDENTIFIED</c>).</summary>
    public bool IsWatchListMatch => Kind == WatchListKind;

    /// <summary>The kind of a watch-list match, as the hub and notifications name it.</summary>
    public const string WatchListKind = "NOTIFICATION_EVENT_KIND_OFFENDER_IDENTIFIED";

    /// <summary>Who acknowledged it, if anyone.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>When it was acknowledged.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }
}

/// <summary>The hub's "alertAcknowledged".</summary>
/// <param name="Id">The alert's id.</param>
/// <param name="AcknowledgedBy">Who.</param>
/// <param name="AcknowledgedAt">When.</param>
public sealed record AlertAcknowledged(string Id, string AcknowledgedBy, DateTimeOffset AcknowledgedAt);

/// <summary>Reads a JSON string or number as text (proto3 JSON writes enums as names, a hub may send numbers).</summary>
public sealed class TextOrNumberConverter : JsonConverter<string>
{
    /// <inheritdoc/>
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString() ?? string.Empty,
        JsonTokenType.Number => reader.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonTokenType.Null => string.Empty,
        _ => throw new JsonException($"expected a string or a number, not {reader.TokenType}"),
    };

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
