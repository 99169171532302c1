using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Notifications.Domain;

/// <summary>
/// A notification template: text with <c>{field}</c> placeholders over <see cref="TemplateFields.Names"/>; <c>{{</c> and
/// <c>}}</c> stand for braces. It is checked when a configuration is saved (<see cref="Parse"/>), so an alert never meets a
/// template it cannot render.
/// </summary>
public sealed partial class Template
{
    private readonly IReadOnlyList<(string Literal, string? Field)> _parts;

    private Template(IReadOnlyList<(string Literal, string? Field)> parts) => _parts = parts;

    /// <summary>The fields the template names, in order of first use.</summary>
    public IReadOnlyList<string> Fields => [.. _parts.Where(p => p.Field is not null).Select(p => p.Field!).Distinct(StringComparer.Ordinal)];

    /// <summary>Reads a template, refusing a placeholder that names an unknown field or a stray brace.</summary>
    /// <param name="text">The template text.</param>
    /// <param name="field">The configuration field it comes from, for the error (e.g. <c>template.body</c>).</param>
    /// <returns>The template.</returns>
    /// <exception cref="ConfigurationException">The text names an unknown field or has an unmatched brace.</exception>
    public static Template Parse(string text, string field)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<(string, string?)>();
        var literal = new StringBuilder();
        var at = 0;
        foreach (Match token in Token().Matches(text))
        {
            literal.Append(text, at, token.Index - at);
            at = token.Index + token.Length;
            switch (token.Value)
            {
                case "{{":
                    literal.Append('{');
                    continue;
                case "}}":
                    literal.Append('}');
                    continue;
                case "{" or "}":
                    throw new ConfigurationException(field, $"has an unmatched '{token.Value}' at position {token.Index} (write {token.Value}{token.Value} for a brace)");
            }
            var name = token.Groups["name"].Value.Trim();
            if (!TemplateFields.Names.Contains(name))
            {
                throw new ConfigurationException(field, $"names the unknown field '{{{name}}}'; the fields are {string.Join(", ", TemplateFields.Names.Order(StringComparer.Ordinal))}");
            }
            parts.Add((literal.ToString(), name));
            literal.Clear();
        }
        literal.Append(text, at, text.Length - at);
        parts.Add((literal.ToString(), null));
        return new Template(parts);
    }

    /// <summary>The text for one alert.</summary>
    /// <param name="alertId">The alert's id.</param>
    /// <param name="facts">The alert.</param>
    /// <returns>The rendered text.</returns>
    public string Render(string alertId, AlertFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var text = new StringBuilder();
        foreach (var (literal, field) in _parts)
        {
            text.Append(literal);
            if (field is not null) text.Append(TemplateFields.Value(field, alertId, facts));
        }
        return text.ToString();
    }

    [GeneratedRegex(@"\{\{|\}\}|\{(?<name>[^{}]*)\}|[{}]", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}

/// <summary>The fields of an alert a template may name.</summary>
public static class TemplateFields
{
    /// <summary>The field names.</summary>
    public static readonly FrozenSet<string> Names = FrozenSet.Create(StringComparer.Ordinal,
        "id", "kind", "station_id", "device_id", "priority", "title", "text", "occurred_at", "work_order_id", "request_id");

    /// <summary>The value of <paramref name="field"/> for an alert.</summary>
    /// <param name="field">A name of <see cref="Names"/>.</param>
    /// <param name="alertId">The alert's id.</param>
    /// <param name="facts">The alert.</param>
    /// <returns>The text of the value.</returns>
    public static string Value(string field, string alertId, AlertFacts facts) => field switch
    {
        "id" => alertId,
        "kind" => KindName(facts.Kind),
        "station_id" => facts.StationId,
        "device_id" => facts.DeviceId,
        "priority" => PriorityName(facts.Priority),
        "title" => facts.Title,
        "text" => facts.Text,
        "occurred_at" => facts.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        "work_order_id" => facts.WorkOrderId,
        "request_id" => facts.RequestId,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "not a template field"),
    };

    /// <summary>A kind as people read it, e.g. <c>turnstile locked</c>.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>Its name.</returns>
    public static string KindName(NotificationEventKind kind) => kind switch
    {
        NotificationEventKind.TurnstileFaulted => "turnstile faulted",
        NotificationEventKind.TurnstileLocked => "turnstile locked",
        NotificationEventKind.MaintenanceRequired => "maintenance required",
        NotificationEventKind.WorkOrderCreated => "work order created",
        NotificationEventKind.WorkOrderEscalated => "work order escalated",
        NotificationEventKind.WorkOrderCompleted => "work order completed",
        _ => "unspecified",
    };

    /// <summary>A priority as people read it, e.g. <c>high</c>.</summary>
    /// <param name="priority">The priority.</param>
    /// <returns>Its name.</returns>
    public static string PriorityName(MaintenancePriority priority) => priority switch
    {
        MaintenancePriority.Low => "low",
        MaintenancePriority.Medium => "medium",
        MaintenancePriority.High => "high",
        MaintenancePriority.Critical => "critical",
        _ => "unspecified",
    };
}

/// <summary>A configuration (or its template) that cannot be saved.</summary>
/// <param name="field">The configuration field at fault.</param>
/// <param name="description">What is wrong, after the field's name.</param>
public sealed class ConfigurationException(string field, string description) : Exception($"{field}: {description}")
{
    /// <summary>The configuration field.</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong.</summary>
    public string Description { get; } = description;
}
